import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BypassStage, changesDirectly, startBypassStage } from "./support/bypass-stage";

/**
 * A DENY TABLE rule on writes to orders, got around by paths that change orders without naming it
 * (issue 14, "seal the enforcement"). Views and foreign keys' cascades were each followed, but not
 * composed: `cv` is a view over customers, whose key cascades into orders, so `DELETE FROM cv`
 * deleted orders. Each attack is first run straight against the upstream as the agent's login
 * (rolled back) to show it changes orders; through Sluice it is refused (or, for code the agent
 * would have to create first, its creation is) and orders are as they were. Cases that were refused
 * before the fix stay here as permanent corpus cases.
 */
let stage: BypassStage;
let agent: pg.Client;

beforeAll(async () => {
  stage = await startBypassStage({
    schema: (role) => `
      CREATE TABLE customers (id int PRIMARY KEY, name text);
      INSERT INTO customers VALUES (1, 'ann'), (2, 'bob'), (3, 'cy');
      CREATE TABLE orders (id int PRIMARY KEY, total int,
        customer_id int REFERENCES customers ON DELETE CASCADE ON UPDATE CASCADE);
      INSERT INTO orders VALUES (1, 10, 1), (2, 20, 2);
      CREATE TABLE scratch (id int PRIMARY KEY, note text);
      CREATE VIEW cv AS SELECT * FROM customers;
      CREATE VIEW cv_over_cv AS SELECT id, name FROM cv WHERE id > 0;
      CREATE VIEW scratch_view AS SELECT * FROM scratch;
      CREATE TABLE events (id int, at date) PARTITION BY RANGE (at);
      CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
      CREATE TABLE event_orders (event_id int, order_id int REFERENCES orders ON DELETE CASCADE);
      CREATE TABLE ledger (id int, at date, amount int) PARTITION BY RANGE (at);
      CREATE TABLE ledger_2024 PARTITION OF ledger FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
      CREATE TABLE ledger_2025 PARTITION OF ledger FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
      INSERT INTO ledger VALUES (1, '2024-05-01', 100), (2, '2025-05-01', 200);
      CREATE VIEW lv AS SELECT * FROM ledger;
      -- The owner's code (see "owner triggers" below), there before the gateway's first catalog read.
      CREATE TABLE audit_in (id int);
      CREATE FUNCTION audit_in_wipe() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN DELETE FROM orders WHERE id = NEW.id; RETURN NEW; END $$;
      CREATE TRIGGER audit_in_wipe AFTER INSERT ON audit_in FOR EACH ROW EXECUTE FUNCTION audit_in_wipe();
      CREATE VIEW inbox AS SELECT * FROM scratch;
      CREATE FUNCTION inbox_insert() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN UPDATE orders SET total = 0 WHERE id = NEW.id; RETURN NEW; END $$;
      CREATE TRIGGER inbox_insert INSTEAD OF INSERT ON inbox FOR EACH ROW EXECUTE FUNCTION inbox_insert();
      CREATE TABLE rule_in (id int);
      CREATE RULE rule_in_wipe AS ON INSERT TO rule_in DO ALSO DELETE FROM orders WHERE id = NEW.id;
      GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role};
      GRANT CREATE ON SCHEMA public TO ${role};`,
    guardrails: [
      {
        name: "orders are read-only",
        kind: "TABLE",
        effect: "DENY",
        match: { tables: ["public.orders"], access: "write" },
      },
      {
        name: "2024 is closed",
        kind: "TABLE",
        effect: "DENY",
        match: { tables: ["public.ledger_2024"], access: "write" },
      },
    ],
  });
  agent = new pg.Client({ connectionString: stage.harness.url });
  await agent.connect();
});
afterAll(async () => {
  await agent?.end();
  await stage?.stop();
});

const ORDERS = "SELECT id, total, customer_id FROM orders ORDER BY id";
const ORIGINAL = [
  { id: 1, total: 10, customer_id: 1 },
  { id: 2, total: 20, customer_id: 2 },
];
const orders = async () => (await stage.admin.query(ORDERS)).rows;

const directlyChanges = (sql: string, values?: unknown[]) => changesDirectly(stage, ORDERS, sql, values);

const refusal = (sql: string, values?: unknown[]) =>
  agent.query(sql, values).then(
    () => null,
    (error: Error) => error.message,
  );

describe("a write through a view into a table whose keys cascade into orders", () => {
  it.each([
    ["DELETE FROM cv WHERE id = 1"],
    ["DELETE FROM cv_over_cv WHERE id = $1", [2]],
    ["UPDATE cv SET id = 10 WHERE id = 1"],
    ["WITH gone AS (DELETE FROM cv WHERE id = 2 RETURNING id) SELECT count(*) FROM gone"],
    ["MERGE INTO cv t USING (SELECT 1 AS id) s ON t.id = s.id WHEN MATCHED THEN DELETE"],
    ["MERGE INTO cv_over_cv t USING (SELECT 2 AS id) s ON t.id = s.id WHEN MATCHED THEN UPDATE SET id = 20"],
    ["INSERT INTO cv VALUES (1, 'x') ON CONFLICT (id) DO UPDATE SET id = 11"],
  ] as Array<[string, unknown[]?]>)("refuses %s", async (sql, values) => {
    expect(await directlyChanges(sql, values)).toBe(true);
    expect(await refusal(sql, values)).toMatch(
      /guardrail "orders are read-only".*writes through public\.cv.*foreign key cascade into public\.orders/,
    );
    expect(await orders()).toEqual(ORIGINAL);
  });
});

describe("other paths into orders (permanent corpus cases)", () => {
  it.each([
    // A cascade reached through a writable CTE naming the referenced table.
    ["WITH gone AS (DELETE FROM customers WHERE id = 1 RETURNING id) SELECT count(*) FROM gone"],
    // Partition routing: the row lands in events_2024, whose own keys are not in play; an
    // INSERT … ON CONFLICT on customers updates their key, which cascades.
    ["INSERT INTO customers VALUES (2, 'b') ON CONFLICT (id) DO UPDATE SET id = 12"],
  ])("refuses %s", async (sql) => {
    expect(await directlyChanges(sql)).toBe(true);
    expect(await refusal(sql)).toMatch(/guardrail "orders are read-only"/);
    expect(await orders()).toEqual(ORIGINAL);
  });

  it.each([
    [
      "an ALSO rule on the agent's table",
      "ON INSERT TO mine DO ALSO DELETE FROM orders",
      "INSERT INTO mine VALUES (1)",
    ],
    [
      "an INSTEAD rule on the agent's table",
      "ON DELETE TO mine DO INSTEAD UPDATE orders SET total = 0",
      "DELETE FROM mine",
    ],
    [
      "a rule on the agent's view",
      "ON UPDATE TO mine_view DO INSTEAD DELETE FROM orders",
      "UPDATE mine_view SET id = 2",
    ],
  ])("refuses creating %s that writes orders", async (_what, rule, write) => {
    const own = "CREATE TABLE mine (id int); CREATE VIEW mine_view AS SELECT * FROM mine";
    const create = `CREATE RULE sneaky AS ${rule}`;
    expect(await directlyChanges(`${own}; INSERT INTO mine VALUES (1); ${create}; ${write}`)).toBe(true);
    expect(await refusal(own)).toBeNull();
    expect(await refusal("INSERT INTO mine VALUES (1)")).toBeNull();
    expect(await refusal(create)).toMatch(/guardrail "orders are read-only"/);
    expect(await refusal(write)).toBeNull();
    expect(await orders()).toEqual(ORIGINAL);
    await agent.query("DROP VIEW mine_view; DROP TABLE mine");
  });

  it("refuses creating a trigger function that writes orders", async () => {
    const fn = `CREATE FUNCTION wipe_orders() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN DELETE FROM orders; RETURN NEW; END $$`;
    const trigger =
      "CREATE TRIGGER scratch_wipe AFTER INSERT ON scratch FOR EACH ROW EXECUTE FUNCTION wipe_orders()";
    expect(await directlyChanges(`${fn}; ${trigger}; INSERT INTO scratch VALUES (2, 'y')`)).toBe(true);
    expect(await refusal(fn)).not.toBeNull();
    expect(await orders()).toEqual(ORIGINAL);
  });
});

/**
 * Owner code: the table owner's trigger on another table writes orders when the agent writes that
 * table (AFTER INSERT ON audit_in … DELETE FROM orders; an INSTEAD OF trigger on a view over
 * scratch; the owner's DO ALSO rule on rule_in). The gateway cannot see into a plpgsql body, so a
 * write that fires a function it cannot judge, or a rule, counts as writing any table under a TABLE
 * rule on writes, as on a masking connection.
 */
describe("owner triggers and rules on other relations that write orders (no masking)", () => {
  it.each([
    ["INSERT INTO audit_in VALUES (1)"],
    ["INSERT INTO rule_in VALUES (1)"],
    ["WITH w AS (INSERT INTO audit_in VALUES (2) RETURNING id) SELECT * FROM w"],
    ["INSERT INTO inbox VALUES (1, 'z')"],
    [
      "MERGE INTO inbox t USING (SELECT 2 AS id) s ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id, 'm')",
    ],
  ])("refuses %s", async (sql) => {
    expect(await directlyChanges(sql)).toBe(true);
    expect(await refusal(sql)).toMatch(/guardrail "orders are read-only"|owner/);
    expect(await orders()).toEqual(ORIGINAL);
  });

  it("refuses COPY FROM STDIN into the view whose INSTEAD OF trigger writes orders", async () => {
    // node-postgres answers CopyInResponse with CopyFail: a statement that got through fails so.
    expect(await refusal("COPY inbox FROM STDIN")).toMatch(/guardrail "orders are read-only"|owner/);
    expect(await orders()).toEqual(ORIGINAL);
  });
});

/** Partition routing: a write to the parent (or a view over it) the server routes into a closed partition. */
describe("writes routed into a protected partition", () => {
  const LEDGER = "SELECT id, at::text, amount FROM ledger_2024 ORDER BY id";
  const closed = async () => (await stage.admin.query(LEDGER)).rows;
  const CLOSED = [{ id: 1, at: "2024-05-01", amount: 100 }];

  it.each([
    ["INSERT INTO ledger VALUES (3, '2024-06-01', 300)"],
    ["UPDATE ledger SET at = '2024-07-01' WHERE id = 2"],
    ["INSERT INTO lv VALUES (4, '2024-08-01', 400)"],
    ["DELETE FROM lv WHERE at < '2025-01-01'"],
    [
      "MERGE INTO lv t USING (SELECT 5 AS id) s ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (5, '2024-09-01', 5)",
    ],
  ])("refuses %s", async (sql) => {
    expect(await changesDirectly(stage, LEDGER, sql)).toBe(true);
    expect(await refusal(sql)).toMatch(/guardrail "2024 is closed"/);
    expect(await closed()).toEqual(CLOSED);
  });

  it("refuses COPY FROM STDIN into the parent", async () => {
    expect(await refusal("COPY ledger FROM STDIN")).toMatch(/guardrail "2024 is closed"/);
    expect(await closed()).toEqual(CLOSED);
  });
});

describe("what the rule does not cover", () => {
  it("a write through a view over a table whose keys reach no covered table runs", async () => {
    expect(await refusal("INSERT INTO scratch_view VALUES (5, 'ok')")).toBeNull();
    expect(await refusal("DELETE FROM scratch_view WHERE id = 5")).toBeNull();
    expect(await refusal("INSERT INTO events VALUES (1, '2024-03-01')")).toBeNull();
    // event_orders references orders: a cascade out of orders, not into it.
    expect(await refusal("DELETE FROM event_orders")).toBeNull();
    expect(await orders()).toEqual(ORIGINAL);
  });
});
