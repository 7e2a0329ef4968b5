import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changesDirectly } from "../support/mysql-direct-oracle";
import { type MySqlHarness, startMySqlHarness } from "../support/mysql-harness";

/**
 * Bypass corpus, MySQL: a DENY TABLE rule on writes, got around through InnoDB foreign keys (the
 * Postgres corpus's bypass-table-cascades.int.test.ts). orders reference customers ON DELETE
 * CASCADE ON UPDATE CASCADE, so `DELETE FROM customers` deletes orders rows the rule protects. Each
 * write is first run directly (rolled back) to show it changes orders; through Sluice it is refused
 * and orders are as they were. A key that does not cascade (RESTRICT) is not in the way, nor is a
 * cascade into a table whose trigger writes orders: InnoDB's cascades fire no trigger.
 */
let harness: MySqlHarness;
let agent: Connection;
const ORIGINAL = [
  { id: 1, total: 10, customer_id: 1 },
  { id: 2, total: 20, customer_id: 2 },
];
const ORDERS = "SELECT id, total, customer_id FROM orders ORDER BY id";

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
    CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(20)) ENGINE=InnoDB;
    INSERT INTO customers VALUES (1, 'ann'), (2, 'bob'), (3, 'cy');
    CREATE TABLE orders (id INT PRIMARY KEY, total INT, customer_id INT,
      FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE ON UPDATE CASCADE) ENGINE=InnoDB;
    INSERT INTO orders VALUES (1, 10, 1), (2, 20, 2);
    CREATE TABLE regions (id INT PRIMARY KEY) ENGINE=InnoDB;
    INSERT INTO regions VALUES (1), (2);
    CREATE TABLE shops (id INT PRIMARY KEY, region_id INT,
      FOREIGN KEY (region_id) REFERENCES regions (id) ON DELETE RESTRICT) ENGINE=InnoDB;
    CREATE VIEW cv AS SELECT * FROM customers;
    CREATE VIEW cv_over_cv AS SELECT id, name FROM cv WHERE id > 0;
    CREATE VIEW rv AS SELECT * FROM regions;
    CREATE TABLE accounts (id INT PRIMARY KEY) ENGINE=InnoDB;
    INSERT INTO accounts VALUES (1), (2);
    CREATE TABLE ledger (id INT PRIMARY KEY, account_id INT,
      FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE) ENGINE=InnoDB;
    INSERT INTO ledger VALUES (1, 1), (2, 2);
    CREATE TRIGGER ledger_zero AFTER DELETE ON ledger FOR EACH ROW UPDATE orders SET total = 0;`);
  agent = await harness.connectAgent();
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

const directlyChanges = (sql: string) => changesDirectly(harness, ORDERS, sql);

const refusal = (run: Promise<unknown>) =>
  run.then(
    () => null,
    (error: { errno?: number; message: string }) => error,
  );

describe("writes that change orders through foreign keys' cascades", () => {
  it.each([
    "DELETE FROM customers WHERE id = 1",
    "UPDATE customers SET id = 10 WHERE id = 1",
    "DELETE c FROM customers c WHERE c.id = 2",
  ])("refuses %s", async (sql) => {
    expect(await directlyChanges(sql)).toBe(true);
    const refused = await refusal(agent.query(sql));
    expect(refused?.errno).toBe(1227);
    expect(refused?.message).toMatch(/guardrail "orders are read-only".*foreign keys cascade into/);
    expect(await orders()).toEqual(ORIGINAL);
  });

  it("refuses the same write prepared", async () => {
    const refused = await refusal(agent.execute("DELETE FROM customers WHERE id = ?", [1]));
    expect(refused?.message).toMatch(/guardrail "orders are read-only"/);
    expect(await orders()).toEqual(ORIGINAL);
  });
});

/** Views and cascades composed (issue 14): a view over customers deletes orders through their key. */
describe("writes through a view into a table whose keys cascade into orders", () => {
  it.each([
    "DELETE FROM cv WHERE id = 1",
    "UPDATE cv SET id = 10 WHERE id = 1",
    "DELETE FROM cv_over_cv WHERE id = 2",
    "UPDATE cv_over_cv SET id = 20 WHERE id = 2",
  ])("refuses %s", async (sql) => {
    expect(await directlyChanges(sql)).toBe(true);
    const refused = await refusal(agent.query(sql));
    expect(refused?.message).toMatch(
      /guardrail "orders are read-only".*writes through .*cv.*foreign key cascade into .*orders/i,
    );
    expect(await orders()).toEqual(ORIGINAL);
  });
});

describe("what the rule does not cover", () => {
  it("a write whose keys do not cascade into orders runs", async () => {
    await agent.query("DELETE FROM regions WHERE id = 2");
    await agent.query("DELETE FROM rv WHERE id = 1");
    expect(await orders()).toEqual(ORIGINAL);
  });

  it("a cascade fires no trigger: deleting accounts runs though ledger's trigger writes orders", async () => {
    // ledger's trigger is real (a DELETE of ledger zeroes orders), and refused through Sluice.
    expect(await directlyChanges("DELETE FROM ledger WHERE id = 2")).toBe(true);
    const refused = await refusal(agent.query("DELETE FROM ledger WHERE id = 2"));
    expect(refused?.message).toMatch(/ledger, whose triggers write .*orders/);
    // The cascade's deletions of ledger rows do not fire it: InnoDB's cascades activate no trigger.
    expect(await directlyChanges("DELETE FROM accounts WHERE id = 1")).toBe(false);
    await agent.query("DELETE FROM accounts WHERE id = 1");
    const direct = await harness.connectDirect();
    try {
      expect((await direct.query("SELECT id FROM ledger ORDER BY id"))[0]).toEqual([{ id: 2 }]);
    } finally {
      await direct.end();
    }
    expect(await orders()).toEqual(ORIGINAL);
  });
});
