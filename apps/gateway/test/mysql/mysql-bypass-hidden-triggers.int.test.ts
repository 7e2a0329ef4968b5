import { readMySqlCatalog } from "@sluice/mysql-session/catalog-read";
import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMySqlCatalogs } from "../../src/mysql/mysql-catalog";
import { changesDirectly } from "../support/mysql-direct-oracle";
import { type MySqlHarness, startMySqlHarness } from "../support/mysql-harness";

/**
 * Bypass corpus, MySQL: a DENY TABLE rule on writes, got around through a trigger the brokered
 * login cannot see. MySQL's information_schema.TRIGGERS lists a table's triggers only to a login
 * holding TRIGGER on it, so a least-privilege login's catalog read finds none and a write to
 * customers, whose trigger zeroes orders, looked like a write to customers alone. The catalog is
 * read here as from MySQL (the reader's own option: MariaDB would list the trigger anyway), from
 * the real server's grants. Each write is first run directly (rolled back) to show it changes
 * orders; through Sluice it is refused and orders are as they were.
 */
let harness: MySqlHarness;
let agent: Connection;
const ORIGINAL = [
  { id: 1, total: 10 },
  { id: 2, total: 20 },
];
const ORDERS = "SELECT id, total FROM orders ORDER BY id";

beforeAll(async () => {
  harness = await startMySqlHarness(
    {
      guardrails: [
        {
          name: "orders are read-only",
          kind: "TABLE",
          effect: "DENY",
          match: { tables: ["orders"], access: "write" },
        },
      ],
    },
    {
      catalogFor: createMySqlCatalogs((client) =>
        readMySqlCatalog(client, { listsTriggersByPrivilege: true }),
      ),
    },
  );
  await harness.asAdmin(`
    CREATE TABLE orders (id INT PRIMARY KEY, total INT) ENGINE=InnoDB;
    INSERT INTO orders VALUES (1, 10), (2, 20);
    CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(20)) ENGINE=InnoDB;
    CREATE TRIGGER customers_zero AFTER INSERT ON customers FOR EACH ROW UPDATE orders SET total = 0;
    CREATE TABLE notes (id INT PRIMARY KEY) ENGINE=InnoDB;
    REVOKE TRIGGER ON ${harness.database}.* FROM '${harness.upstreamUser}'@'%';`);
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

/**
 * A GRANT from another session: the catalog's fingerprint covers the login's grants where the
 * trigger sight is read from them, so the very next statement reads the grants again.
 */
const grant = (sql: string) => harness.asAdmin(sql);

describe("a login without TRIGGER", () => {
  it("cannot see the trigger: the write counts as writing every table", async () => {
    const sql = "INSERT INTO customers VALUES (1, 'ann')";
    expect(await changesDirectly(harness, ORDERS, sql)).toBe(true);
    const refused = await refusal(agent.query(sql));
    expect(refused?.errno).toBe(1227);
    expect(refused?.message).toMatch(/guardrail "orders are read-only"/);
    expect(refused?.message).toMatch(
      new RegExp(
        `customers, whose triggers Sluice cannot see \\(the brokered login lacks the TRIGGER privilege on ${harness.database}\\.customers`,
      ),
    );
    expect(await orders()).toEqual(ORIGINAL);
  });

  it("refuses the same write prepared", async () => {
    const refused = await refusal(agent.execute("INSERT INTO customers VALUES (?, 'ann')", [1]));
    expect(refused?.message).toMatch(/whose triggers Sluice cannot see/);
    expect(await orders()).toEqual(ORIGINAL);
  });

  it("refuses a write to a table with no trigger at all, which it cannot tell", async () => {
    const refused = await refusal(agent.query("INSERT INTO notes VALUES (1)"));
    expect(refused?.message).toMatch(/notes, whose triggers Sluice cannot see/);
  });
});

describe("once the login holds TRIGGER on the table", () => {
  it("a table without triggers is written", async () => {
    await grant(`GRANT TRIGGER ON ${harness.database}.notes TO '${harness.upstreamUser}'@'%'`);
    await agent.query("INSERT INTO notes VALUES (2)");
    const direct = await harness.connectDirect();
    try {
      expect((await direct.query("SELECT id FROM notes"))[0]).toEqual([{ id: 2 }]);
    } finally {
      await direct.end();
    }
  });

  it("the trigger is seen and followed into orders", async () => {
    const sql = "INSERT INTO customers VALUES (3, 'cy')";
    const hidden = await refusal(agent.query(sql));
    expect(hidden?.message).toMatch(/whose triggers Sluice cannot see/);
    await grant(`GRANT TRIGGER ON ${harness.database}.customers TO '${harness.upstreamUser}'@'%'`);
    const refused = await refusal(agent.query(sql));
    expect(refused?.message).toMatch(/customers, whose triggers write .*orders/);
    expect(await orders()).toEqual(ORIGINAL);
  });
});
