import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changesDirectly } from "../support/mysql-direct-oracle";
import { type MySqlHarness, startMySqlHarness } from "../support/mysql-harness";

/**
 * Bypass corpus, MySQL: a DENY TABLE rule on writes, got around through a view (the Postgres
 * corpus's bypass-table-write-views.int.test.ts). The MySQL facts count every table a CREATE VIEW
 * names as written, so an agent cannot make such a view itself here; but the views the database
 * already has (`admin_orders`, over orders, and a view over that one) took writes into orders
 * past the rule, as MariaDB writes `DELETE FROM admin_orders …` into orders. Each write is first
 * run directly (rolled back) to show it changes orders; through Sluice it is refused and orders
 * are as they were.
 */
let harness: MySqlHarness;
let agent: Connection;
const ORIGINAL = [
  { id: 1, total: 10 },
  { id: 2, total: 20 },
];

beforeAll(async () => {
  harness = await startMySqlHarness({
    guardrails: [
      {
        name: "orders are read-only",
        kind: "TABLE",
        effect: "DENY",
        match: { tables: ["orders"], access: "write" },
      },
    ],
  });
  await harness.asAdmin(`
    CREATE TABLE orders (id INT PRIMARY KEY, total INT);
    INSERT INTO orders VALUES (1, 10), (2, 20);
    CREATE TABLE scratch (id INT PRIMARY KEY, total INT);
    CREATE VIEW ov AS SELECT * FROM orders;
    CREATE VIEW ov_over_ov AS SELECT id, total FROM ov;
    CREATE VIEW admin_orders AS SELECT * FROM orders WHERE total > 0;
    CREATE VIEW scratch_view AS SELECT * FROM scratch;`);
  agent = await harness.connectAgent();
});
afterAll(async () => {
  await agent?.end();
  await harness?.stop();
});

const orders = async () => {
  const direct = await harness.connectDirect();
  try {
    return (await direct.query("SELECT id, total FROM orders ORDER BY id"))[0];
  } finally {
    await direct.end();
  }
};

const directlyChanges = (sql: string) =>
  changesDirectly(harness, "SELECT id, total FROM orders ORDER BY id", sql);

describe("writes into orders through a view", () => {
  it("an agent's own view over orders is refused already (CREATE VIEW names orders)", async () => {
    const refused = await agent.query("CREATE VIEW mine AS SELECT * FROM orders").then(
      () => null,
      (error: { message: string }) => error.message,
    );
    expect(refused).toMatch(/guardrail "orders are read-only"/);
  });

  it.each([
    "DELETE FROM ov WHERE id = 1",
    "UPDATE ov SET total = 0 WHERE id = 2",
    "INSERT INTO ov VALUES (3, 30)",
    "REPLACE INTO ov VALUES (1, 11)",
    "DELETE FROM ov_over_ov WHERE id = 1",
    "UPDATE admin_orders SET total = 1 WHERE id = 1",
    "UPDATE ov o JOIN departments d ON d.id = 1 SET o.total = 0 WHERE o.id = 1",
  ])("refuses %s", async (sql) => {
    expect(await directlyChanges(sql)).toBe(true);
    const refused = await agent.query(sql).then(
      () => null,
      (error: { errno?: number; message: string }) => error,
    );
    expect(refused?.errno).toBe(1227);
    expect(refused?.message).toMatch(/guardrail "orders are read-only"/);
    expect(await orders()).toEqual(ORIGINAL);
  });

  it("refuses the same write prepared", async () => {
    const refused = await agent.execute("DELETE FROM ov WHERE id = ?", [1]).then(
      () => null,
      (error: { errno?: number; message: string }) => error,
    );
    expect(refused?.message).toMatch(/guardrail "orders are read-only"/);
    expect(await orders()).toEqual(ORIGINAL);
  });
});

describe("what the rule does not cover", () => {
  it("reads through the views, and writes through a view over another table, run", async () => {
    const [rows] = await agent.query("SELECT id FROM ov_over_ov ORDER BY id");
    expect(rows).toEqual([{ id: 1 }, { id: 2 }]);
    await agent.query("INSERT INTO scratch_view VALUES (1, 5)");
    expect(await orders()).toEqual(ORIGINAL);
  });
});
