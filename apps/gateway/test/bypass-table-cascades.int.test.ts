import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BypassStage, changesDirectly, startBypassStage } from "./support/bypass-stage";

/**
 * A DENY TABLE rule on writes, got around through foreign keys (guardrails that never fire): orders
 * reference customers ON DELETE CASCADE, so `DELETE FROM customers` deletes orders rows the rule
 * protects, and `TRUNCATE customers CASCADE` empties orders whatever the key's action. Each write is
 * first run straight against the upstream (rolled back) to show it changes orders; through Sluice it
 * is refused and orders are as they were. A key that does not cascade (RESTRICT) changes nothing
 * and is not in the way.
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
      CREATE TABLE order_notes (id int PRIMARY KEY, order_id int REFERENCES orders ON DELETE SET NULL);
      CREATE TABLE regions (id int PRIMARY KEY);
      INSERT INTO regions VALUES (1), (2);
      CREATE TABLE shops (id int PRIMARY KEY, region_id int REFERENCES regions ON DELETE RESTRICT);
      CREATE TABLE tags (id int PRIMARY KEY, customer_id int REFERENCES customers);
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

const directlyChanges = (sql: string, values?: unknown[]) => changesDirectly(stage, ORDERS, sql, values);

const refusal = (sql: string, values?: unknown[]) =>
  agent.query(sql, values).then(
    () => null,
    (error: Error) => error.message,
  );

describe("writes that change orders through foreign keys' cascades", () => {
  it.each([
    ["DELETE FROM customers WHERE id = 1"],
    ["DELETE FROM public.customers WHERE id = $1", [2]],
    ["UPDATE customers SET id = 10 WHERE id = 1"],
    ["TRUNCATE customers CASCADE"],
    ["TRUNCATE TABLE ONLY customers CASCADE"],
    ["WITH gone AS (DELETE FROM customers WHERE id = 2 RETURNING id) SELECT count(*) FROM gone"],
    ["MERGE INTO customers t USING (SELECT 1 AS id) s ON t.id = s.id WHEN MATCHED THEN DELETE"],
  ] as Array<[string, unknown[]?]>)("refuses %s", async (sql, values) => {
    expect(await directlyChanges(sql, values)).toBe(true);
    expect(await refusal(sql, values)).toMatch(
      /guardrail "orders are read-only".*foreign keys cascade into public\.orders/,
    );
    expect((await stage.admin.query(ORDERS)).rows).toEqual(ORIGINAL);
  });
});

describe("what the rule does not cover", () => {
  // Which rows a cascade would reach is not judged: any write to customers counts (customer 3 has
  // no orders, and DELETE FROM customers WHERE id = 3 is refused all the same).
  it("a write whose keys do not cascade into orders runs", async () => {
    expect(await refusal("DELETE FROM regions WHERE id = 2")).toBeNull();
    expect(await refusal("INSERT INTO tags VALUES (1, 1)")).toBeNull();
    // A cascade from orders into order_notes is a write to orders already; notes alone are free.
    expect(await refusal("DELETE FROM order_notes")).toBeNull();
    expect((await stage.admin.query(ORDERS)).rows).toEqual(ORIGINAL);
  });
});
