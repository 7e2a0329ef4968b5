import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BypassStage, startBypassStage } from "./support/bypass-stage";

/**
 * TABLE guardrails by catalog identity (guardrails that never fire): a partition's or an
 * inheriting child's rows are rows of its parent, and a parent's rows include its children's, as
 * masking already had it. The rule matched names only, so with `orders` denied,
 * `SELECT * FROM orders_low` read every order of that partition and `DELETE FROM orders_low …`
 * deleted them; with `secrets` denied, its child table read its rows. Each statement is first run
 * straight against the upstream (a write rolled back) to show what it reaches; through Sluice it is
 * refused and the rows are as they were. COLUMN rules (and review rules, which match the same
 * way) missed the child's column alike. A table of a similar name outside the family still runs.
 */
let stage: BypassStage;
let agent: pg.Client;

beforeAll(async () => {
  stage = await startBypassStage({
    schema: (role) => `
      CREATE TABLE orders (id int, total int) PARTITION BY RANGE (id);
      CREATE TABLE orders_low PARTITION OF orders FOR VALUES FROM (0) TO (100);
      CREATE TABLE orders_high PARTITION OF orders FOR VALUES FROM (100) TO (1000) PARTITION BY RANGE (id);
      CREATE TABLE orders_high_a PARTITION OF orders_high FOR VALUES FROM (100) TO (500);
      INSERT INTO orders VALUES (1, 10), (150, 20);
      CREATE TABLE orders_archive (id int, total int);
      INSERT INTO orders_archive VALUES (7, 70);
      CREATE TABLE secrets (id int, s text);
      CREATE TABLE secrets_child () INHERITS (secrets);
      INSERT INTO secrets_child VALUES (1, 'child secret');
      CREATE TABLE audit (id int, note text);
      CREATE TABLE audit_private () INHERITS (audit);
      INSERT INTO audit_private VALUES (1, 'private note');
      CREATE TABLE ledger (id int, amount int) PARTITION BY LIST (id);
      CREATE TABLE ledger_one PARTITION OF ledger FOR VALUES IN (1, 2);
      INSERT INTO ledger VALUES (1, 100), (2, 200);
      CREATE TABLE staff (id int, salary int);
      CREATE TABLE staff_contractors () INHERITS (staff);
      INSERT INTO staff_contractors VALUES (1, 5000);
      GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role};
      GRANT CREATE ON SCHEMA public TO ${role};`,
    guardrails: [
      {
        name: "no orders",
        kind: "TABLE",
        effect: "DENY",
        match: { tables: ["public.orders"], access: "any" },
      },
      { name: "no secrets", kind: "TABLE", effect: "DENY", match: { tables: ["secrets"], access: "read" } },
      {
        name: "no private audit",
        kind: "TABLE",
        effect: "DENY",
        match: { tables: ["audit_private"], access: "read" },
      },
      { name: "no salaries", kind: "COLUMN", effect: "DENY", match: { columns: ["public.staff.salary"] } },
      {
        name: "ledger is append-free",
        kind: "TABLE",
        effect: "DENY",
        match: { tables: ["ledger"], access: "write" },
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

const SNAPSHOT =
  "SELECT (SELECT json_agg(o ORDER BY id) FROM orders o)::text || (SELECT json_agg(l ORDER BY id) FROM ledger l)::text AS rows";
const rowsNow = async () => (await stage.admin.query(SNAPSHOT)).rows[0].rows as string;

/** What `sql` returns directly as the agent's login (inside a transaction that is rolled back). */
async function directly(sql: string): Promise<{ rowCount: number | null; changed: boolean }> {
  const direct = new pg.Client({ connectionString: stage.harness.directUrl });
  await direct.connect();
  try {
    const before = (await direct.query(SNAPSHOT)).rows[0].rows;
    await direct.query("BEGIN");
    const result = await direct.query(sql);
    const after = (await direct.query(SNAPSHOT)).rows[0].rows;
    return { rowCount: result.rowCount, changed: before !== after };
  } finally {
    await direct.query("ROLLBACK");
    await direct.end();
  }
}

const refusal = (sql: string) =>
  agent.query(sql).then(
    () => null,
    (error: Error) => error.message,
  );

describe("a TABLE rule covers the relations of its inheritance family", () => {
  it.each([
    ["SELECT * FROM orders_low", "no orders", "reads"],
    ["SELECT * FROM orders_high_a", "no orders", "reads"],
    ["SELECT total FROM public.orders_high WHERE id > 0", "no orders", "reads"],
    ["DELETE FROM orders_low WHERE id = 1", "no orders", "changes"],
    ["UPDATE orders_high_a SET total = 0 WHERE id = 150", "no orders", "changes"],
    ["INSERT INTO orders_low VALUES (3, 30)", "no orders", "changes"],
    ["SELECT s FROM secrets_child", "no secrets", "reads"],
    ["SELECT count(*) FROM secrets_child WHERE s LIKE 'child%'", "no secrets", "reads"],
    // The rule on the child: the parent's rows include it.
    ["SELECT note FROM audit", "no private audit", "reads"],
    ["DELETE FROM ledger_one WHERE id = 1", "ledger is append-free", "changes"],
    ["UPDATE ledger_one SET amount = 0 WHERE id = 2", "ledger is append-free", "changes"],
  ])("refuses %s (%s)", async (sql, rule, what) => {
    const before = await rowsNow();
    const direct = await directly(sql);
    if (what === "reads") expect(direct.rowCount).toBeGreaterThan(0);
    else expect(direct.changed).toBe(true);
    expect(await refusal(sql)).toMatch(new RegExp(`guardrail "${rule}"`));
    expect(await rowsNow()).toBe(before);
  });

  it("refuses a write through the agent's own view over a partition", async () => {
    await agent.query("CREATE VIEW ledger_view AS SELECT * FROM ledger_one");
    const before = await rowsNow();
    expect((await directly("DELETE FROM ledger_view WHERE id = 1")).changed).toBe(true);
    expect(await refusal("DELETE FROM ledger_view WHERE id = 1")).toMatch(
      /guardrail "ledger is append-free"/,
    );
    expect(await rowsNow()).toBe(before);
  });
});

describe("a COLUMN rule covers the same column of the family", () => {
  it.each([
    "SELECT salary FROM staff_contractors",
    "SELECT * FROM staff_contractors",
    "SELECT to_jsonb(c) FROM staff_contractors c",
    "SELECT max(salary) FROM public.staff_contractors",
  ])("refuses %s", async (sql) => {
    expect((await directly(sql)).rowCount).toBeGreaterThan(0);
    expect(await refusal(sql)).toMatch(/guardrail "no salaries"/);
  });

  it("another column of the child still reads", async () => {
    expect((await agent.query("SELECT id FROM staff_contractors")).rows).toEqual([{ id: 1 }]);
  });
});

describe("what the rules do not cover", () => {
  it("a table of a similar name outside the family, and reads of the write-only family", async () => {
    expect((await agent.query("SELECT total FROM orders_archive")).rows).toEqual([{ total: 70 }]);
    expect((await agent.query("SELECT amount FROM ledger_one ORDER BY id")).rows).toEqual([
      { amount: 100 },
      { amount: 200 },
    ]);
  });
});
