import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { AdminContext } from "../src/actor";
import { saveMaskingRule } from "../src/masking-rules";
import { tryStatement } from "../src/try-statement";
import { type AdminStore, createAdminStore } from "./support/admin-store";
import { saveMariaDbConnection } from "./support/mariadb-connection";

const KEY = Buffer.alloc(32, 7);

/**
 * The try box on a masked MySQL connection judges a write by the triggers its table runs, as the
 * MySQL relay does after the decision point's allow: a write whose trigger copies a masked column
 * (one statement or a compound body) is shown refused by sluice:owner-code, a write whose table
 * runs harmless code or none is allowed, and a catalog the console cannot read refuses the write
 * and says the failure is the console's.
 */
describe("the try box judges MySQL owner code", () => {
  const maria = inject("mariadb");
  const database = `try_${randomBytes(4).toString("hex")}`;
  let store: AdminStore;
  let admin: AdminContext;
  let server: mysql.Connection;
  let shop: string;
  let gone: string;

  const save = async (name: string, port: number) => {
    const connection = await saveMariaDbConnection(admin, maria, { name, port, database });
    await saveMaskingRule(admin, {
      input: {
        name: `${name}-ssn`,
        connectionId: connection.id,
        columnSelector: `${database}.customers.ssn`,
        strategy: "REDACT",
      },
    });
    return connection.id;
  };

  beforeAll(async () => {
    store = await createAdminStore({ roles: [{ idpGroup: "admins", role: "ADMIN" }], secretKey: KEY });
    admin = await store.contextFor("ada@example.test", ["admins"]);
    server = await mysql.createConnection({
      host: maria.host,
      port: maria.port,
      user: maria.user,
      password: maria.password,
      multipleStatements: true,
    });
    await server.query(`
      CREATE DATABASE ${database};
      USE ${database};
      CREATE TABLE customers (id INT PRIMARY KEY, ssn VARCHAR(20));
      INSERT INTO customers VALUES (1, '123-45-6789');
      CREATE TABLE audit (ref INT, note VARCHAR(40));
      CREATE TABLE notes (id INT, body VARCHAR(40));
      CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT);
      CREATE TRIGGER orders_copy AFTER INSERT ON orders FOR EACH ROW
      BEGIN
        DECLARE copied VARCHAR(20);
        SELECT ssn INTO copied FROM customers WHERE id = NEW.customer_id;
        INSERT INTO audit VALUES (NEW.id, copied);
      END;
      CREATE TABLE shifts (id INT PRIMARY KEY, hours INT);
      CREATE TRIGGER shifts_cap BEFORE INSERT ON shifts FOR EACH ROW
      BEGIN
        IF NEW.hours > 12 THEN SET NEW.hours = 12; END IF;
        INSERT INTO audit VALUES (NEW.id, 'shift');
      END;
    `);
    shop = await save("shop-mysql", maria.port);
    // Port 1 is never a MariaDB: the catalog read is refused at once.
    gone = await save("gone-mysql", 1);
  });
  afterAll(async () => {
    await server?.query(`DROP DATABASE IF EXISTS ${database}`);
    await server?.end();
    await store?.drop();
  });

  const judge = (connectionId: string, statement: string) =>
    tryStatement(admin, { input: { connectionId, statement } });

  it("refuses a write whose compound trigger copies a masked column, as the gateway does", async () => {
    const result = await judge(shop, "INSERT INTO orders VALUES (1, 1)");
    expect(result.verdict).toMatchObject({
      kind: "deny",
      rule: "sluice:owner-code",
      message: expect.stringContaining("trigger orders_copy (AFTER INSERT)"),
    });
    expect(result.verdict.kind === "deny" && result.verdict.message).toMatch(
      new RegExp(`reads ${database}\\.customers\\.ssn`),
    );
    expect(result.catalogProblem).toBeNull();
    // Judged, not run: the upstream's rows are as they were.
    const [rows] = await server.query(`SELECT COUNT(*) AS n FROM ${database}.orders`);
    expect(rows).toEqual([{ n: 0 }]);
  });

  it("allows writes whose table runs harmless code or none, and reads", async () => {
    for (const statement of [
      "INSERT INTO shifts VALUES (1, 20)",
      "INSERT INTO notes VALUES (1, 'hello')",
      "SELECT id, ssn FROM customers",
    ]) {
      const result = await judge(shop, statement);
      expect(result.verdict, statement).toMatchObject({ kind: "allow" });
      expect(result.catalogProblem, statement).toBeNull();
    }
  });

  it("without the catalog a masked write is refused, and the console says it could not read it", async () => {
    const result = await judge(gone, "INSERT INTO notes VALUES (2, 'hello')");
    expect(result.verdict).toMatchObject({
      kind: "deny",
      rule: "sluice:owner-code",
      message: expect.stringContaining("the upstream's catalog could not be read"),
    });
    expect(result.catalogProblem).toMatch(/could not read the upstream's catalog \(.*ECONNREFUSED/);
    expect(result.catalogProblem).not.toContain(maria.password);
  });
});
