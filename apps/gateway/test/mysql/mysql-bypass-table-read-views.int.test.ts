import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MySqlHarness, startMySqlHarness } from "../support/mysql-harness";

/**
 * Bypass corpus, MySQL: a DENY TABLE rule on reads, got around through a view (the Postgres
 * corpus's bypass-table-read-views.int.test.ts, review9). The views the database already has took
 * reads of orders past the rule, as MariaDB reads a view's query in its place. Each read is first
 * run directly to show it returns orders' rows; through Sluice it is refused.
 */
let harness: MySqlHarness;
let agent: Connection;

beforeAll(async () => {
  harness = await startMySqlHarness({
    guardrails: [
      { name: "no orders", kind: "TABLE", effect: "DENY", match: { tables: ["orders"], access: "read" } },
    ],
  });
  await harness.asAdmin(`
    CREATE TABLE orders (id INT PRIMARY KEY, total INT);
    INSERT INTO orders VALUES (1, 10), (2, 20);
    CREATE TABLE scratch (id INT PRIMARY KEY, total INT);
    INSERT INTO scratch VALUES (7, 70);
    CREATE VIEW ov AS SELECT * FROM orders;
    CREATE VIEW ov_over_ov AS SELECT id, total FROM ov WHERE total > 0;
    CREATE VIEW scratch_view AS SELECT * FROM scratch;`);
  agent = await harness.connectAgent();
});
afterAll(async () => {
  await agent?.end();
  await harness?.stop();
});

async function directRows(sql: string): Promise<unknown> {
  const direct = await harness.connectDirect();
  try {
    return (await direct.query(sql))[0];
  } finally {
    await direct.end();
  }
}

describe("reads of orders through a view", () => {
  it.each([
    "SELECT * FROM ov",
    "SELECT total FROM ov_over_ov",
    "SELECT s.id, o.total FROM scratch s JOIN ov o",
  ])("refuses %s", async (sql) => {
    expect((await directRows(sql)) as unknown[]).not.toHaveLength(0);
    const refused = await agent.query(sql).then(
      () => null,
      (error: { message: string }) => error.message,
    );
    expect(refused).toMatch(/guardrail "no orders".*reads through .*ov/);
  });

  it("refuses the same read prepared", async () => {
    const refused = await agent.execute("SELECT total FROM ov WHERE id = ?", [1]).then(
      () => null,
      (error: { message: string }) => error.message,
    );
    expect(refused).toMatch(/guardrail "no orders"/);
  });
});

describe("what the rule does not cover", () => {
  it("a view over another table answers", async () => {
    const [rows] = await agent.query("SELECT id, total FROM scratch_view");
    expect(rows).toEqual([{ id: 7, total: 70 }]);
  });
});
