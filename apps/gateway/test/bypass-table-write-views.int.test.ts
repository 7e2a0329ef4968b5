import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BypassStage, changesDirectly, startBypassStage } from "./support/bypass-stage";

/**
 * A DENY TABLE rule on writes, got around through a view (guardrails that never fire): the rule
 * matched relations by the names a statement writes, so `CREATE VIEW ov AS SELECT * FROM orders`
 * (a read, which a write rule allows) and then `DELETE FROM ov WHERE id = 1` deleted orders rows —
 * the server rewrites a write to an updatable view into a write to the relation under it. Each
 * write is first run straight against the upstream (rolled back) to show it changes orders;
 * through Sluice it is refused and orders are as they were. Writes through a view over another
 * table, and reads through the view, still run.
 */
const VIEWS = `
  CREATE VIEW admin_orders AS SELECT * FROM orders;
  CREATE VIEW admin_orders_2 AS SELECT id, total FROM admin_orders WHERE total > 0;
  CREATE VIEW scratch_view AS SELECT * FROM scratch;`;

let stage: BypassStage;
let agent: pg.Client;

beforeAll(async () => {
  stage = await startBypassStage({
    schema: (role) => `
      CREATE TABLE orders (id int PRIMARY KEY, total int);
      INSERT INTO orders VALUES (1, 10), (2, 20);
      CREATE TABLE scratch (id int PRIMARY KEY, total int);
      ${VIEWS}
      GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role};
      GRANT CREATE ON SCHEMA public TO ${role};`,
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
  // The agent's own views: creating one reads orders, which the rule on writes allows.
  for (const sql of [
    "CREATE VIEW ov AS SELECT * FROM orders",
    "CREATE VIEW ov_over_ov AS SELECT id, total FROM ov",
    "CREATE VIEW ov_filtered AS SELECT * FROM public.orders WHERE id > 0",
  ])
    await agent.query(sql);
});
afterAll(async () => {
  await agent?.end();
  await stage?.stop();
});

const orders = async () => (await stage.admin.query("SELECT id, total FROM orders ORDER BY id")).rows;
const ORIGINAL = [
  { id: 1, total: 10 },
  { id: 2, total: 20 },
];

const directlyChanges = (sql: string, values?: unknown[]) =>
  changesDirectly(stage, "SELECT id, total FROM orders ORDER BY id", sql, values);

const refusal = (sql: string, values?: unknown[]) =>
  agent.query(sql, values).then(
    () => null,
    (error: Error) => error.message,
  );

describe("writes into orders through a view", () => {
  it.each([
    ["DELETE FROM ov WHERE id = 1"],
    ["UPDATE ov SET total = 0 WHERE id = 2"],
    ["INSERT INTO ov VALUES (3, 30)"],
    ["DELETE FROM ov_over_ov WHERE id = 1"],
    ["UPDATE ov_filtered SET total = total + 1 WHERE id = 1"],
    ["DELETE FROM admin_orders WHERE id = 2"],
    ["UPDATE admin_orders_2 SET total = 1 WHERE id = 1"],
    ["INSERT INTO public.admin_orders (id, total) VALUES (4, 40)"],
    ["WITH gone AS (DELETE FROM ov WHERE id = 1 RETURNING id) SELECT count(*) FROM gone"],
    ["MERGE INTO ov t USING (SELECT 1 AS id) s ON t.id = s.id WHEN MATCHED THEN UPDATE SET total = 0"],
    ["DELETE FROM ov WHERE id = $1", [1]],
    ["UPDATE admin_orders SET total = $1 WHERE id = $2", [0, 1]],
  ] as Array<[string, unknown[]?]>)("refuses %s", async (sql, values) => {
    expect(await directlyChanges(sql, values)).toBe(true);
    const refused = await refusal(sql, values);
    expect(refused).toMatch(
      /guardrail "orders are read-only".*writes through .* into a table the rule covers/,
    );
    expect(await orders()).toEqual(ORIGINAL);
  });
});

describe("a prepared write through a view replaced between Parse and Bind", () => {
  it("is judged again at the Bind, and refused once the view reads orders", async () => {
    await agent.query("CREATE TABLE mine (id int PRIMARY KEY, total int)");
    await agent.query("INSERT INTO mine VALUES (1, 1), (2, 2)");
    await agent.query("CREATE VIEW swapped AS SELECT * FROM mine");
    const prepared = { name: "delete_swapped", text: "DELETE FROM swapped WHERE id = $1" };
    expect((await agent.query({ ...prepared, values: [1] })).rowCount).toBe(1);
    // A read of orders, which the rule on writes allows; the server's prepared DELETE now deletes orders.
    await agent.query("CREATE OR REPLACE VIEW swapped AS SELECT * FROM orders");
    const refused = await agent.query({ ...prepared, values: [2] }).then(
      () => null,
      (error: Error) => error.message,
    );
    expect(refused).toMatch(/guardrail "orders are read-only".*writes through .*swapped/);
    expect(await orders()).toEqual(ORIGINAL);
  });
});

describe("what the rule does not cover", () => {
  it("reads through the views run", async () => {
    expect((await agent.query("SELECT id FROM ov_over_ov ORDER BY id")).rows).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it("writes through a view over another table run", async () => {
    await agent.query("INSERT INTO scratch_view VALUES (1, 5)");
    await agent.query("UPDATE scratch_view SET total = 6 WHERE id = 1");
    expect((await stage.admin.query("SELECT total FROM scratch")).rows).toEqual([{ total: 6 }]);
    expect(await orders()).toEqual(ORIGINAL);
  });
});
