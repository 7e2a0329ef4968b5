import { randomBytes } from "node:crypto";
import { readMySqlCatalog } from "@sluice/mysql-session/catalog-read";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

/**
 * Which tables' triggers a catalog read may have missed, read from the brokered login's own grants
 * on the real MariaDB: TRIGGER on the table, on its database, on everything, through a default
 * role, and revoked. MariaDB lists every trigger whatever the login holds (withholding the body
 * from a login without TRIGGER), so its reads miss none; MySQL lists a table's triggers only to a
 * login holding TRIGGER on it, which the later reads are told to assume (the reader's own option,
 * the one thing that differs from a MySQL server's read). The login can read and write every
 * table of the database; only TRIGGER moves.
 */
const maria = inject("mariadb");
const suffix = randomBytes(4).toString("hex");
const database = `sight_${suffix}`;
const user = `sight_${suffix}`;
const role = `sight_role_${suffix}`;
const password = randomBytes(12).toString("base64url");
let admin: mysql.Connection;

beforeAll(async () => {
  admin = await mysql.createConnection({
    host: maria.host,
    port: maria.port,
    user: maria.user,
    password: maria.password,
    multipleStatements: true,
  });
  await admin.query(`
    CREATE DATABASE ${database};
    USE ${database};
    CREATE TABLE orders (id INT PRIMARY KEY, total INT);
    CREATE TABLE customers (id INT PRIMARY KEY);
    CREATE TRIGGER customers_zero AFTER INSERT ON customers FOR EACH ROW UPDATE orders SET total = 0;
    CREATE USER '${user}'@'%' IDENTIFIED BY '${password}';
    CREATE ROLE ${role};`);
});

afterAll(async () => {
  await admin?.query(`DROP DATABASE ${database}; DROP USER '${user}'@'%'; DROP ROLE ${role};`);
  await admin?.end();
});

/** A new login each time: what a catalog side connection opening now would hold. */
async function asLogin<T>(run: (login: mysql.Connection) => Promise<T>): Promise<T> {
  const login = await mysql.createConnection({ host: maria.host, port: maria.port, user, password });
  try {
    return await run(login);
  } finally {
    await login.end();
  }
}

/** What a read as MySQL would make of each table's triggers (null: all seen). */
const unseenAsMySql = () =>
  asLogin(async (login) => {
    const sight = (await readMySqlCatalog(login, { listsTriggersByPrivilege: true })).triggerSight;
    return {
      customers: sight?.whyUnseen(`${database}.customers`, true) ?? null,
      orders: sight?.whyUnseen(`${database}.orders`, true) ?? null,
    };
  });

/** Reads and writes on the whole database, and these grants besides; all taken back after. */
async function withGrants(grants: string[], run: () => Promise<void>, undo: string[] = []) {
  await admin.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${database}.* TO '${user}'@'%'`);
  for (const grant of grants) await admin.query(grant);
  try {
    await run();
  } finally {
    await admin.query(`REVOKE ALL PRIVILEGES, GRANT OPTION FROM '${user}'@'%'`);
    for (const statement of undo) await admin.query(statement);
  }
}

const LACKS = /lacks the TRIGGER privilege/;

describe("the server's kind", () => {
  it("MariaDB lists a trigger to a login without TRIGGER, withholding its body", async () => {
    await withGrants([], async () => {
      const listed = await asLogin(async (login) => {
        const [rows] = await login.query(
          "SELECT TRIGGER_NAME AS name, ACTION_STATEMENT AS body FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?",
          [database],
        );
        return rows;
      });
      expect(listed).toEqual([{ name: "customers_zero", body: null }]);
      // Its read misses no trigger, and counts the withheld body as one it cannot read.
      const catalog = await asLogin((login) => readMySqlCatalog(login));
      expect(catalog.triggerSight?.whyUnseen(`${database}.customers`, true)).toBeNull();
      expect(catalog.writeCode?.get(`${database}.customers`)?.[0]?.reading).toEqual({
        isReadable: false,
        why: "the server withholds its body from the brokered login, which lacks the TRIGGER privilege on the table",
      });
      // Read as MySQL, which would not list the trigger at all, no table's triggers are seen.
      expect(await unseenAsMySql()).toEqual({
        customers: expect.stringMatching(
          new RegExp(`lacks the TRIGGER privilege on ${database}\\.customers, and MySQL lists`),
        ),
        orders: expect.stringMatching(LACKS),
      });
    });
  });
});

describe("the login's TRIGGER privilege, read as MySQL would list triggers", () => {
  it("on the table: that table's triggers are seen, not its neighbour's", async () => {
    await withGrants([`GRANT TRIGGER ON ${database}.customers TO '${user}'@'%'`], async () => {
      expect(await unseenAsMySql()).toEqual({ customers: null, orders: expect.stringMatching(LACKS) });
    });
  });

  it("on the table, revoked: unseen again", async () => {
    await withGrants(
      [
        `GRANT TRIGGER ON ${database}.customers TO '${user}'@'%'`,
        `REVOKE TRIGGER ON ${database}.customers FROM '${user}'@'%'`,
      ],
      async () => {
        expect((await unseenAsMySql()).customers).toMatch(LACKS);
      },
    );
  });

  it("on the database, and gone once revoked", async () => {
    await withGrants([`GRANT TRIGGER ON ${database}.* TO '${user}'@'%'`], async () => {
      expect(await unseenAsMySql()).toEqual({ customers: null, orders: null });
      await admin.query(`REVOKE TRIGGER ON ${database}.* FROM '${user}'@'%'`);
      expect(await unseenAsMySql()).toEqual({
        customers: expect.stringMatching(LACKS),
        orders: expect.stringMatching(LACKS),
      });
    });
  });

  it("on everything", async () => {
    await withGrants([`GRANT TRIGGER ON *.* TO '${user}'@'%'`], async () => {
      expect(await unseenAsMySql()).toEqual({ customers: null, orders: null });
    });
  });

  it("through the login's default role, and not once the role is no longer its default", async () => {
    await withGrants(
      [
        `GRANT TRIGGER ON ${database}.customers TO ${role}`,
        `GRANT ${role} TO '${user}'@'%'`,
        `SET DEFAULT ROLE ${role} FOR '${user}'@'%'`,
      ],
      async () => {
        expect(await unseenAsMySql()).toEqual({ customers: null, orders: expect.stringMatching(LACKS) });
        await admin.query(`SET DEFAULT ROLE NONE FOR '${user}'@'%'`);
        expect((await unseenAsMySql()).customers).toMatch(LACKS);
      },
      // REVOKE ALL takes the role back too (MariaDB); its default goes with it.
      [`SET DEFAULT ROLE NONE FOR '${user}'@'%'`],
    );
  });
});
