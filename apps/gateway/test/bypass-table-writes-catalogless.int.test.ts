import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BypassStage, changesDirectly, startBypassStage } from "./support/bypass-stage";

/**
 * A DENY TABLE rule on writes while the gateway cannot read the upstream's catalog (issue 14): no
 * view and no foreign key can be followed then, and PostgreSQL judged the write by the names it
 * wrote alone, so `DELETE FROM customers` (whose key cascades into orders) and `DELETE FROM cv`
 * (a view over orders) got past a read-only rule on orders. Now every write is refused, saying
 * why, and the catalog is read again before each: once a read succeeds the same statements are
 * judged normally.
 *
 * The catalog read is cut for real, as in bypass-catalogless-review: `pg_attrdef` is made
 * unreadable to the connection's role.
 */
let stage: BypassStage;
let agent: pg.Client;

beforeAll(async () => {
  stage = await startBypassStage({
    schema: (role) => `
      CREATE TABLE customers (id int PRIMARY KEY, name text);
      INSERT INTO customers VALUES (1, 'ann'), (2, 'bob');
      CREATE TABLE orders (id int PRIMARY KEY, total int,
        customer_id int REFERENCES customers ON DELETE CASCADE);
      INSERT INTO orders VALUES (1, 10, 1), (2, 20, 2);
      CREATE VIEW ov AS SELECT * FROM orders;
      CREATE TABLE scratch (id int PRIMARY KEY);
      GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role};`,
    guardrails: [
      {
        name: "orders are read-only",
        kind: "TABLE",
        effect: "DENY",
        match: { tables: ["public.orders"], access: "write" },
      },
    ],
  });
  await stage.admin.query("REVOKE SELECT ON pg_catalog.pg_attrdef FROM PUBLIC");
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

const refusal = (sql: string) =>
  agent.query(sql).then(
    () => null,
    (error: Error) => error.message,
  );

const UNREAD =
  /guardrail "orders are read-only".*may be a view over, or have foreign keys cascading into, a table the rule covers: the upstream's catalog could not be read/;

describe("writes under a TABLE rule on writes while the catalog cannot be read", () => {
  it("the cut is real: the role cannot read generated columns' expressions", async () => {
    const direct = new pg.Client({ connectionString: stage.harness.directUrl });
    await direct.connect();
    try {
      await expect(direct.query("SELECT count(*) FROM pg_catalog.pg_attrdef")).rejects.toThrow(
        /permission denied/,
      );
    } finally {
      await direct.end();
    }
  });

  it.each([
    ["DELETE FROM customers WHERE id = 1"],
    ["DELETE FROM ov WHERE id = 2"],
    ["UPDATE public.ov SET total = 0"],
    ["WITH gone AS (DELETE FROM customers RETURNING id) SELECT count(*) FROM gone"],
  ])("refuses %s, which changes orders", async (sql) => {
    expect(await changesDirectly(stage, ORDERS, sql)).toBe(true);
    expect(await refusal(sql)).toMatch(UNREAD);
    expect(await orders()).toEqual(ORIGINAL);
  });

  it("refuses a write nothing proves harmless, and still runs reads", async () => {
    expect(await refusal("INSERT INTO scratch VALUES (1)")).toMatch(UNREAD);
    expect((await agent.query("SELECT count(*)::int AS n FROM orders")).rows).toEqual([{ n: 2 }]);
  });

  it("judges the same writes normally once the catalog can be read again", async () => {
    await stage.admin.query("GRANT SELECT ON pg_catalog.pg_attrdef TO PUBLIC");
    expect(await refusal("INSERT INTO scratch VALUES (1)")).toBeNull();
    expect(await refusal("DELETE FROM customers WHERE id = 1")).toMatch(
      /foreign keys cascade into public\.orders/,
    );
    expect(await refusal("DELETE FROM ov WHERE id = 2")).toMatch(
      /writes through public\.ov into a table the rule covers/,
    );
    expect(await orders()).toEqual(ORIGINAL);
  });
});
