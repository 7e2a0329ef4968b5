import type { Connection } from "mysql2/promise";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { changesDirectly } from "../support/mysql-direct-oracle";
import { type MySqlHarness, startMySqlHarness } from "../support/mysql-harness";

/**
 * Bypass corpus, MySQL: a DENY TABLE rule on writes, got around through a trigger on a table in a
 * database that only looks like one of the server's own. `sys` is an ordinary database (MySQL
 * installs its helper views there; MariaDB before 10.6 has none, and anyone with CREATE may make
 * it), and with lower_case_table_names=0 (Linux's default) `Sys` is another database again. The
 * catalog read takes every table in `sys` or any casing of the system schemas' names for a system
 * relation and lists none of its triggers, so a write to `Sys.inbox`, whose trigger zeroes orders,
 * looked like a write to inbox alone.
 */
let harness: MySqlHarness;
let agent: Connection;
const ORDERS = "SELECT id, total FROM orders ORDER BY id";
const ORIGINAL = [
  { id: 1, total: 10 },
  { id: 2, total: 20 },
];

const inboxIn = (schema: string, db: string, user: string) => `
  CREATE DATABASE IF NOT EXISTS \`${schema}\`;
  CREATE TABLE \`${schema}\`.inbox (id INT PRIMARY KEY) ENGINE=InnoDB;
  CREATE TRIGGER \`${schema}\`.inbox_zero AFTER INSERT ON \`${schema}\`.inbox
    FOR EACH ROW UPDATE \`${db}\`.orders SET total = 0;
  GRANT INSERT ON \`${schema}\`.inbox TO '${user}'@'%';`;

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
    CREATE TABLE orders (id INT PRIMARY KEY, total INT) ENGINE=InnoDB;
    INSERT INTO orders VALUES (1, 10), (2, 20);
    ${inboxIn("Sys", harness.database, harness.upstreamUser)}
    ${inboxIn("sys", harness.database, harness.upstreamUser)}
    ${inboxIn("MYSQL", harness.database, harness.upstreamUser)}`);
  agent = await harness.connectAgent();
});
// A write that got through zeroed orders: the next case starts from the same rows.
afterEach(async () => {
  await harness.asAdmin(
    "UPDATE orders SET total = id * 10; DELETE FROM `Sys`.inbox; DELETE FROM `sys`.inbox; DELETE FROM `MYSQL`.inbox",
  );
});
afterAll(async () => {
  await agent?.end();
  await harness?.stop();
});

const orders = async () => {
  const direct = await harness.connectDirect();
  try {
    return (await direct.query(ORDERS))[0];
  } finally {
    await direct.end();
  }
};

const refusal = (run: Promise<unknown>) =>
  run.then(
    () => null,
    (error: { errno?: number; message: string }) => error,
  );

describe("the server's own mysql database", () => {
  it("takes no trigger, so its tables' triggers need no reading", async () => {
    await harness.asAdmin("CREATE TABLE IF NOT EXISTS mysql.sluice_probe (id INT)");
    await expect(
      harness.asAdmin(
        "CREATE TRIGGER mysql.sluice_probe_t AFTER INSERT ON mysql.sluice_probe FOR EACH ROW SET @x = 1",
      ),
    ).rejects.toThrow(/system tables/i);
  });
});

describe.each(["Sys", "sys", "MYSQL"])("a trigger on a table in database %s", (schema) => {
  const sql = `INSERT INTO \`${schema}\`.inbox VALUES (1)`;

  it("changes orders straight against the server", async () => {
    expect(await changesDirectly(harness, ORDERS, sql)).toBe(true);
  });

  it("is followed into orders and refused", async () => {
    const refused = await refusal(agent.query(sql));
    expect(refused?.message).toMatch(/guardrail "orders are read-only"/);
    expect(await orders()).toEqual(ORIGINAL);
  });
});
