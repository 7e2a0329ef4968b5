import type { StatementFacts } from "@sluice/sql/facts";
import { loadParser, parseStatements } from "@sluice/sql/parser";
import { beforeAll, describe, expect, it } from "vitest";

beforeAll(() => loadParser());

function one(sql: string): StatementFacts {
  const parsed = parseStatements(sql);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.statements[0] as StatementFacts;
}
/** The unscoped writes as `KIND table`, with no reason shown. */
const unscoped = (sql: string) => one(sql).unscopedWrites.map((write) => `${write.kind} ${write.table.name}`);

describe("which UPDATEs and DELETEs limit their rows", () => {
  it.each([
    "DELETE FROM orders WHERE true",
    "DELETE FROM orders WHERE 1 = 1",
    "DELETE FROM orders WHERE now() > '2000-01-01'",
    "DELETE FROM orders WHERE (SELECT true)",
    "DELETE FROM orders WHERE id = 1 OR true",
    "DELETE FROM orders WHERE NOT (id = 1 AND false)",
    "DELETE FROM orders WHERE EXISTS (SELECT 1 FROM orders WHERE orders.id = 1)",
    "DELETE FROM orders WHERE EXISTS (SELECT 1 FROM customers WHERE id = 1)",
    "DELETE FROM orders o USING customers c WHERE c.id = 1",
    "DELETE FROM orders o USING customers c WHERE customer_id = c.id",
    "UPDATE orders SET total = 0 FROM customers c WHERE c.vip",
    "UPDATE orders SET total = 0 WHERE 'x' IS NOT NULL",
    // With an alias the table's own name no longer refers to it.
    "DELETE FROM orders o USING customers WHERE orders.id = customers.id",
    // Tautologies: a target column compared with the target's own rows, or not compared at all.
    "DELETE FROM orders WHERE id = id",
    "DELETE FROM orders WHERE orders.id = orders.id",
    "DELETE FROM orders WHERE id IS NOT NULL",
    "DELETE FROM orders WHERE NOT (id IS NULL)",
    "DELETE FROM orders WHERE id IS DISTINCT FROM NULL",
    "DELETE FROM orders WHERE NOT (id IS NOT DISTINCT FROM NULL)",
    "DELETE FROM orders WHERE status IS NOT UNKNOWN",
    "DELETE FROM orders WHERE id = 1 OR id IS NOT NULL",
    "DELETE FROM orders WHERE NOT false",
    "DELETE FROM orders WHERE id IN (SELECT id FROM orders)",
    "DELETE FROM orders WHERE id IN (SELECT o2.id FROM public.orders o2)",
    "DELETE FROM orders WHERE id = ANY (SELECT id FROM orders)",
    "DELETE FROM orders WHERE id = ANY (ARRAY(SELECT id FROM orders))",
    "DELETE FROM orders WHERE id = (SELECT max(o.id) FROM orders o) OR true",
    "DELETE FROM orders WHERE id IN (SELECT order_id FROM refunds)",
    "DELETE FROM orders WHERE EXISTS (SELECT 1)",
    "DELETE FROM orders WHERE EXISTS (SELECT count(*) FROM refunds r WHERE r.order_id = orders.id)",
    "DELETE FROM orders WHERE EXISTS (SELECT 1 FROM refunds r WHERE r.order_id = orders.id UNION SELECT 1)",
    "DELETE FROM orders WHERE coalesce(id, 0) = coalesce(id, 0)",
    "DELETE FROM orders WHERE coalesce(id, 0) >= 0",
    "DELETE FROM orders WHERE CASE WHEN true THEN true ELSE id = 1 END",
    "DELETE FROM orders WHERE status LIKE '%'",
    "DELETE FROM orders WHERE status LIKE '%_%'",
    "DELETE FROM orders WHERE id::text = id::text",
    "DELETE FROM orders WHERE id + 0 = id",
    "WITH ids AS (SELECT id FROM orders) DELETE FROM orders WHERE id IN (SELECT i.id FROM ids i)",
    "WITH a AS (SELECT id FROM orders), b AS (SELECT a.id FROM a) DELETE FROM orders WHERE id IN (SELECT b.id FROM b)",
    "DELETE FROM orders o USING orders s WHERE o.id = s.id",
    "DELETE FROM orders o USING (SELECT id FROM orders) s WHERE o.id = s.id",
    "UPDATE orders SET status = 'x' WHERE id = id",
    "UPDATE orders o SET status = 'x' FROM orders s WHERE o.id = s.id",
    "UPDATE orders SET status = 'x' WHERE x OR true",
    // Branches that each limit but can together cover every row.
    "DELETE FROM orders WHERE id < 5 OR id >= 5",
    "DELETE FROM orders WHERE id <= 5 OR id > 5",
    "DELETE FROM orders WHERE x IS NULL OR x IS NOT NULL",
    "DELETE FROM orders WHERE a = 1 OR NOT a = 1",
    "DELETE FROM orders WHERE a = 1 OR a <> 1",
    "DELETE FROM orders WHERE NOT (id < 5 AND id >= 5)",
    "DELETE FROM orders WHERE id BETWEEN 1 AND 5 OR id NOT BETWEEN 1 AND 5",
    "DELETE FROM orders WHERE id IN (1, 2) OR id NOT IN (1, 2)",
    "DELETE FROM orders WHERE id IS DISTINCT FROM 1 OR id = 1",
    "DELETE FROM orders WHERE status LIKE 'a%' OR status NOT LIKE 'a%'",
    "DELETE FROM orders WHERE id = ANY ('{1}') OR id <> ALL ('{1}')",
    "DELETE FROM orders WHERE id IN (SELECT r.order_id FROM refunds r) OR id NOT IN (SELECT r.order_id FROM refunds r)",
    "DELETE FROM orders WHERE is_paid OR NOT is_paid",
    "DELETE FROM orders WHERE is_paid IS TRUE OR is_paid IS FALSE",
    "DELETE FROM orders WHERE is_paid = true OR is_paid = 'f'::boolean",
    "DELETE FROM orders WHERE is_paid IN (true, false)",
  ])("%s is unscoped", (sql) => {
    expect(unscoped(sql)).toHaveLength(1);
    expect(one(sql).unscopedWrites[0]?.reason).toMatch(/does not limit its rows/);
  });

  it.each([
    "DELETE FROM orders WHERE id = 1",
    "DELETE FROM orders WHERE true AND id = 1",
    "DELETE FROM orders WHERE id = 1 OR customer_id = 2",
    "DELETE FROM orders WHERE NOT (id = 1)",
    "DELETE FROM orders WHERE CURRENT OF orders_cursor",
    "DELETE FROM public.orders WHERE public.orders.id = 1",
    "DELETE FROM orders o USING customers c WHERE o.customer_id = c.id",
    "UPDATE orders SET total = 0 FROM customers c WHERE orders.customer_id = c.id",
    "UPDATE orders SET total = 0 WHERE EXISTS (SELECT 1 FROM customers c WHERE c.id = orders.customer_id)",
    "DELETE FROM orders WHERE id IN (SELECT r.order_id FROM refunds r)",
    "DELETE FROM orders WHERE EXISTS (SELECT 1 FROM refunds r WHERE r.order_id = orders.id)",
    "DELETE FROM orders WHERE NOT EXISTS (SELECT 1 FROM refunds r WHERE r.order_id = orders.id)",
    // Ordinary restricting conditions stay allowed.
    "DELETE FROM orders WHERE id = $1",
    "DELETE FROM orders WHERE created_at < now() - interval '30 days'",
    "DELETE FROM orders WHERE status IN ('a', 'b')",
    "DELETE FROM orders WHERE id = ANY($1)",
    "DELETE FROM orders WHERE id BETWEEN 1 AND 10",
    "DELETE FROM orders WHERE status LIKE 'draft%'",
    "DELETE FROM orders WHERE deleted_at IS NULL",
    "DELETE FROM orders WHERE NOT (deleted_at IS NOT NULL)",
    "DELETE FROM orders WHERE is_expired",
    "DELETE FROM orders WHERE 5 = id",
    "DELETE FROM orders WHERE created_at::date = '2024-01-01'",
    "DELETE FROM orders WHERE id IS DISTINCT FROM 5 AND status = 'x'",
    "WITH old AS (SELECT r.order_id FROM refunds r) DELETE FROM orders WHERE id IN (SELECT o.order_id FROM old o)",
    "UPDATE orders SET status = 'x' WHERE id = $1 AND status <> 'gone'",
    // An OR of branches that each pin a column to listed values.
    "DELETE FROM orders WHERE id = 1 OR status IS NULL",
    "DELETE FROM orders WHERE id IN (1, 2) OR id = ANY($1)",
    "DELETE FROM orders WHERE NOT (id <> 1 AND id <> 2)",
    "DELETE FROM orders WHERE (id < 5 AND status = 'a') OR id = 7",
    "DELETE FROM orders WHERE id = 1 OR id IN (SELECT r.order_id FROM refunds r)",
    "DELETE FROM orders WHERE id IS NOT DISTINCT FROM 1 OR id = $1",
  ])("%s is scoped", (sql) => {
    expect(unscoped(sql)).toEqual([]);
  });

  it("keeps the plain message for a missing WHERE, in writable CTEs and EXPLAIN ANALYZE too", () => {
    expect(one("UPDATE orders SET total = 0").unscopedWrites).toEqual([
      { kind: "UPDATE", table: { schema: null, name: "orders" } },
    ]);
    expect(unscoped("WITH d AS (DELETE FROM orders) SELECT 1")).toEqual(["DELETE orders"]);
    expect(unscoped("WITH d AS (DELETE FROM orders WHERE true RETURNING 1) SELECT 1")).toEqual([
      "DELETE orders",
    ]);
    expect(unscoped("EXPLAIN ANALYZE DELETE FROM orders WHERE 1 = 1")).toEqual(["DELETE orders"]);
    expect(unscoped("PREPARE p AS DELETE FROM orders WHERE $1::int = 1")).toEqual(["DELETE orders"]);
    expect(unscoped("CREATE RULE r AS ON INSERT TO audit DO ALSO DELETE FROM orders")).toEqual([
      "DELETE orders",
    ]);
  });
});

describe("MERGE counts as the writes its WHEN clauses make", () => {
  it("an unconditioned WHEN MATCHED DELETE under ON true is an unscoped DELETE", () => {
    const f = one("MERGE INTO orders t USING (SELECT 1) s ON true WHEN MATCHED THEN DELETE");
    expect(f.kind).toBe("MERGE");
    expect(f.kinds).toEqual(expect.arrayContaining(["MERGE", "DELETE"]));
    expect(f.unscopedWrites).toEqual([
      {
        kind: "DELETE",
        table: { schema: null, name: "orders", alias: "t" },
        reason: expect.stringMatching(
          /^\(MERGE … WHEN MATCHED THEN DELETE\) is limited neither by ON \(nothing it requires compares a column qualified with t \(t\.id\).*\) nor by the clause's AND condition \(it has none\)\. Compare a column of t, as it is/,
        ),
      },
    ]);
  });

  it.each([
    ["MERGE INTO orders t USING src s ON s.x = 1 WHEN MATCHED THEN UPDATE SET total = 0", ["UPDATE orders"]],
    // Unqualified, `id` could be the source's column: it does not count.
    ["MERGE INTO orders USING src s ON id = s.id WHEN MATCHED THEN DELETE", ["DELETE orders"]],
    ["MERGE INTO orders t USING src s ON t.id = s.id WHEN MATCHED THEN DELETE", []],
    ["MERGE INTO orders t USING src s ON t.id < 5 OR t.id >= 5 WHEN MATCHED THEN DELETE", ["DELETE orders"]],
    ["MERGE INTO orders t USING src s ON t.id = 5 OR t.id = s.id WHEN MATCHED THEN DELETE", []],
    ["MERGE INTO orders t USING src s ON true WHEN MATCHED AND t.id = 1 THEN DELETE", []],
    ["MERGE INTO orders t USING src s ON true WHEN MATCHED AND s.id = 1 THEN DELETE", ["DELETE orders"]],
    // BY SOURCE acts on the rows ON did not match: ON cannot limit them.
    [
      "MERGE INTO orders t USING src s ON t.id = s.id WHEN NOT MATCHED BY SOURCE THEN DELETE",
      ["DELETE orders"],
    ],
    [
      "MERGE INTO orders t USING src s ON t.id = s.id WHEN NOT MATCHED BY SOURCE AND t.status = 'x' THEN DELETE",
      [],
    ],
    ["MERGE INTO orders t USING src s ON true WHEN MATCHED THEN DO NOTHING", []],
    // A source reading the target matches every target row to itself.
    ["MERGE INTO orders t USING orders s ON t.id = s.id WHEN MATCHED THEN DELETE", ["DELETE orders"]],
    [
      "WITH src AS (SELECT id FROM orders) MERGE INTO orders t USING src s ON t.id = s.id WHEN MATCHED THEN DELETE",
      ["DELETE orders"],
    ],
    ["MERGE INTO orders t USING src s ON t.id = t.id WHEN MATCHED THEN DELETE", ["DELETE orders"]],
    // A WITH query named like the table hides it from FROM, unless it reads the table itself.
    [
      "WITH orders AS (SELECT 1 AS id) MERGE INTO orders t USING orders s ON t.id = s.id WHEN MATCHED THEN DELETE",
      [],
    ],
    [
      "WITH orders AS (SELECT id FROM orders) MERGE INTO orders t USING orders s ON t.id = s.id WHEN MATCHED THEN DELETE",
      ["DELETE orders"],
    ],
    [
      "WITH orders AS (SELECT 1 AS id) MERGE INTO orders t USING public.orders s ON t.id = s.id WHEN MATCHED THEN DELETE",
      ["DELETE orders"],
    ],
    ["MERGE INTO orders t USING src s ON true WHEN NOT MATCHED THEN INSERT VALUES (1)", []],
    [
      "WITH src AS (SELECT 1 AS id) MERGE INTO orders t USING src s ON true WHEN MATCHED AND t.id = 1 THEN UPDATE SET total = 0 WHEN MATCHED THEN DELETE",
      ["DELETE orders"],
    ],
  ])("%s", (sql, expected) => {
    expect(unscoped(sql)).toEqual(expected);
  });

  it("reports INSERT, UPDATE and DELETE for the actions a MERGE can run, and nothing for DO NOTHING", () => {
    const all = one(
      "MERGE INTO orders t USING src s ON t.id = s.id WHEN MATCHED THEN UPDATE SET total = 0 WHEN NOT MATCHED BY SOURCE AND t.id > 0 THEN DELETE WHEN NOT MATCHED THEN INSERT VALUES (1)",
    );
    expect(all.kinds).toEqual(expect.arrayContaining(["MERGE", "INSERT", "UPDATE", "DELETE"]));
    const nothing = one("MERGE INTO orders t USING src s ON t.id = s.id WHEN MATCHED THEN DO NOTHING");
    expect(nothing.kinds).toEqual(["MERGE"]);
  });
});

describe("a CTE does not hide the table a write targets", () => {
  it.each([
    "WITH secrets AS (SELECT 1) DELETE FROM secrets WHERE id = 1",
    "WITH secrets AS (SELECT 1) UPDATE secrets SET id = 2 WHERE id = 1",
    "WITH secrets AS (SELECT 1 AS id) MERGE INTO secrets t USING secrets s ON t.id = s.id WHEN MATCHED THEN DELETE",
    "WITH secrets AS (SELECT 1) INSERT INTO secrets VALUES (1)",
  ])("%s writes the table secrets", (sql) => {
    expect(one(sql).tablesWritten).toEqual([expect.objectContaining({ schema: null, name: "secrets" })]);
  });

  it("while a read of the CTE's name is still the CTE", () => {
    expect(one("WITH secrets AS (SELECT 1 AS id) SELECT * FROM secrets").tablesRead).toEqual([]);
  });
});

describe("TRUNCATE is a DELETE of every row", () => {
  it("lists each truncated table as an unscoped DELETE, with the reason", () => {
    expect(unscoped("TRUNCATE TABLE ONLY orders, public.notes RESTART IDENTITY")).toEqual([
      "DELETE orders",
      "DELETE notes",
    ]);
    expect(one("TRUNCATE orders").unscopedWrites[0]?.reason).toMatch(/TRUNCATE, which removes every row/);
  });
});
