import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changesDirectly } from "../support/mysql-direct-oracle";
import { type MySqlHarness, startMySqlHarness } from "../support/mysql-harness";

/**
 * Bypass corpus, MySQL: a DENY TABLE rule on writes, with a brokered login short of privileges on
 * MariaDB. Without TRIGGER on a table, MariaDB lists its trigger but withholds the body
 * (ACTION_STATEMENT is NULL), which once failed the whole catalog read: every write under the rule
 * was refused, and every masked statement ran on an unknown catalog. The trigger now counts as one
 * whose body cannot be read. On a table it holds nothing on, the server lists no trigger at all,
 * and a trigger running with its definer's rights writes there: inbox's trigger fills relay, in a
 * database the login cannot see, whose own trigger deletes orders; that write passed. Each write
 * is first run directly (rolled back) to show it changes orders; through Sluice it is refused.
 */
let harness: MySqlHarness;
let agent: Connection;
let hidden: string;
const ORDERS = "SELECT id, total FROM orders ORDER BY id";

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
    CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(20)) ENGINE=InnoDB;
    CREATE TRIGGER customers_zero AFTER INSERT ON customers FOR EACH ROW UPDATE orders SET total = 0;
    CREATE TABLE notes (id INT PRIMARY KEY) ENGINE=InnoDB;
    REVOKE TRIGGER ON ${harness.database}.* FROM '${harness.upstreamUser}'@'%';`);
  hidden = `${harness.database}_hidden`;
  await harness.asAdmin(`
    CREATE DATABASE ${hidden};
    CREATE TABLE ${hidden}.relay (id INT PRIMARY KEY) ENGINE=InnoDB;
    CREATE TRIGGER ${hidden}.relay_purge AFTER INSERT ON ${hidden}.relay FOR EACH ROW
      DELETE FROM ${harness.database}.orders WHERE id = NEW.id;
    CREATE TABLE inbox (id INT PRIMARY KEY) ENGINE=InnoDB;
    CREATE TRIGGER inbox_relay AFTER INSERT ON inbox FOR EACH ROW INSERT INTO ${hidden}.relay VALUES (NEW.id);
    GRANT TRIGGER ON ${harness.database}.inbox TO '${harness.upstreamUser}'@'%';`);
  agent = await harness.connectAgent();
});
afterAll(async () => {
  await agent?.end();
  if (hidden) await harness?.asAdmin(`DROP DATABASE ${hidden}`);
  await harness?.stop();
});

const refusal = (run: Promise<unknown>) =>
  run.then(
    () => null,
    (error: { errno?: number; message: string }) => error,
  );

describe("a trigger whose body MariaDB withholds from the brokered login", () => {
  it("counts as writing every table", async () => {
    const sql = "INSERT INTO customers VALUES (1, 'ann')";
    expect(await changesDirectly(harness, ORDERS, sql)).toBe(true);
    const refused = await refusal(agent.query(sql));
    expect(refused?.errno).toBe(1227);
    expect(refused?.message).toMatch(
      /trigger customers_zero \(AFTER INSERT\) on .*customers: Sluice cannot judge its body \(the server withholds its body from the brokered login, which lacks the TRIGGER privilege on the table\)/,
    );
  });

  it("leaves the rest of the catalog readable: a table without triggers is written", async () => {
    await agent.query("INSERT INTO notes VALUES (1)");
    const direct = await harness.connectDirect();
    try {
      expect((await direct.query("SELECT id FROM notes"))[0]).toEqual([{ id: 1 }]);
      expect((await direct.query(ORDERS))[0]).toEqual([
        { id: 1, total: 10 },
        { id: 2, total: 20 },
      ]);
    } finally {
      await direct.end();
    }
  });
});

describe("a trigger on a table the brokered login holds nothing on", () => {
  it("counts as writing every table when another table's trigger writes there", async () => {
    const sql = "INSERT INTO inbox VALUES (1)";
    expect(await changesDirectly(harness, ORDERS, sql)).toBe(true);
    const refused = await refusal(agent.query(sql));
    expect(refused?.errno).toBe(1227);
    expect(refused?.message).toMatch(
      new RegExp(
        `inbox → trigger inbox_relay \\(AFTER INSERT\\) writes ${hidden}\\.relay, whose triggers Sluice cannot see \\(the brokered login holds no privilege on ${hidden}\\.relay, so the server lists none of its triggers to it\\)`,
      ),
    );
  });
});
