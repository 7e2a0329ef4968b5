import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changesDirectly } from "../support/mysql-direct-oracle";
import { type MySqlHarness, startMySqlHarness } from "../support/mysql-harness";

/**
 * Bypass corpus, MySQL: a DENY TABLE rule on writes, got around through the triggers of OTHER
 * tables (the Postgres corpus's bypass-table-write-reach.int.test.ts counts owner code as writing
 * every table; MySQL's bodies are read, write-reach.ts follows them). orders are read-only; a write
 * to customers, whose trigger changes orders, is a write to orders. Each write is first run
 * directly (rolled back) to show MariaDB changes orders; through Sluice it is refused and orders
 * are as they were. Chains of triggers, a view over a table with such a trigger, a body Sluice
 * cannot read and a stored function's call count too; a trigger writing only a log table does not.
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
    CREATE TABLE orders (id INT PRIMARY KEY, total INT, customer_id INT) ENGINE=InnoDB;
    INSERT INTO orders VALUES (1, 10, 1), (2, 20, 2);
    CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(20)) ENGINE=InnoDB;
    CREATE TRIGGER customers_zero AFTER INSERT ON customers FOR EACH ROW
      UPDATE orders SET total = 0 WHERE customer_id = NEW.id;
    CREATE VIEW cv AS SELECT * FROM customers;
    CREATE TABLE inbox (id INT PRIMARY KEY) ENGINE=InnoDB;
    CREATE TABLE relay (id INT PRIMARY KEY) ENGINE=InnoDB;
    CREATE TRIGGER inbox_relay AFTER INSERT ON inbox FOR EACH ROW INSERT INTO relay VALUES (NEW.id);
    CREATE TRIGGER relay_purge AFTER INSERT ON relay FOR EACH ROW DELETE FROM orders WHERE id = NEW.id;
    CREATE TABLE refunds (id INT PRIMARY KEY, order_id INT) ENGINE=InnoDB;
    CREATE TRIGGER refunds_apply BEFORE DELETE ON refunds FOR EACH ROW
    BEGIN
      DECLARE n INT DEFAULT 0;
      WHILE n < 1 DO
        UPDATE orders SET total = total - 1 WHERE id = OLD.order_id;
        SET n = n + 1;
      END WHILE;
    END;
    INSERT INTO refunds VALUES (1, 1);
    CREATE FUNCTION zero_order(order_id INT) RETURNS INT MODIFIES SQL DATA
    BEGIN
      UPDATE orders SET total = 0 WHERE id = order_id;
      RETURN order_id;
    END;
    CREATE TABLE claims (id INT PRIMARY KEY, checked INT) ENGINE=InnoDB;
    CREATE TRIGGER claims_check BEFORE INSERT ON claims FOR EACH ROW SET NEW.checked = zero_order(NEW.id);
    CREATE TABLE notes (id INT PRIMARY KEY, body VARCHAR(20)) ENGINE=InnoDB;
    CREATE TABLE note_log (note_id INT) ENGINE=InnoDB;
    CREATE TRIGGER notes_log AFTER INSERT ON notes FOR EACH ROW INSERT INTO note_log VALUES (NEW.id);`);
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

const refusal = (run: Promise<unknown>) =>
  run.then(
    () => null,
    (error: { errno?: number; message: string }) => error,
  );

describe("writes whose triggers change orders", () => {
  it.each([
    ["INSERT INTO customers VALUES (1, 'ann')", /customers, whose triggers write .*orders/],
    ["INSERT INTO cv VALUES (2, 'bob')", /through .*cv .*customers_zero .* writes .*orders/],
    [
      "INSERT INTO inbox VALUES (1)",
      /inbox_relay .* writes .*relay → trigger relay_purge .* writes .*orders/,
    ],
    ["DELETE FROM refunds WHERE id = 1", /trigger refunds_apply .*cannot judge its body/],
    ["INSERT INTO claims VALUES (1, 0)", /calls zero_order\(\).*ALLOW FUNCTION/],
  ])("refuses %s", async (sql, why) => {
    expect(await changesDirectly(harness, ORDERS, sql)).toBe(true);
    const refused = await refusal(agent.query(sql));
    expect(refused?.errno).toBe(1227);
    expect(refused?.message).toMatch(/guardrail "orders are read-only"/);
    expect(refused?.message).toMatch(why);
    expect(await orders()).toEqual(ORIGINAL);
  });

  it("refuses the same write prepared", async () => {
    const refused = await refusal(agent.execute("INSERT INTO customers VALUES (?, 'ann')", [1]));
    expect(refused?.message).toMatch(/guardrail "orders are read-only".*whose triggers write/);
    expect(await orders()).toEqual(ORIGINAL);
  });

  it("follows a trigger created from another connection at the very next write", async () => {
    await agent.query("INSERT INTO notes VALUES (1, 'a')");
    await harness.asAdmin(
      "CREATE TRIGGER notes_purge AFTER INSERT ON notes FOR EACH ROW DELETE FROM orders WHERE id = NEW.id",
    );
    try {
      expect(await changesDirectly(harness, ORDERS, "INSERT INTO notes VALUES (2, 'b')")).toBe(true);
      const refused = await refusal(agent.query("INSERT INTO notes VALUES (2, 'b')"));
      expect(refused?.message).toMatch(/notes, whose triggers write .*orders/);
      expect(await orders()).toEqual(ORIGINAL);
    } finally {
      await harness.asAdmin("DROP TRIGGER notes_purge");
    }
  });
});

describe("what the rule does not cover", () => {
  it("a write whose trigger writes only a log table runs", async () => {
    await agent.query("INSERT INTO notes VALUES (3, 'c')");
    const direct = await harness.connectDirect();
    try {
      expect((await direct.query("SELECT note_id FROM note_log WHERE note_id = 3"))[0]).toEqual([
        { note_id: 3 },
      ]);
    } finally {
      await direct.end();
    }
    expect(await orders()).toEqual(ORIGINAL);
  });

  it("the stored function runs once an admin allows it by name", async () => {
    const before = harness.current.policy;
    harness.current.policy = {
      ...before,
      guardrails: [
        ...before.guardrails,
        {
          name: "allow zero_order",
          kind: "FUNCTION",
          effect: "ALLOW",
          match: { functions: ["zero_order"] },
        } as (typeof before.guardrails)[number],
      ],
    };
    try {
      // No order 5: the call changes nothing, but the write is let through to run it.
      await agent.query("INSERT INTO claims VALUES (5, 0)");
    } finally {
      harness.current.policy = before;
    }
    expect(await orders()).toEqual(ORIGINAL);
  });
});
