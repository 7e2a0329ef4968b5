import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { AdminContext } from "../src/actor";
import { saveGuardrail } from "../src/guardrail-rules";
import { saveReviewerGroup, saveReviewRule } from "../src/review-rules";
import { tryStatement } from "../src/try-statement";
import { type AdminStore, createAdminStore } from "./support/admin-store";
import { saveMariaDbConnection } from "./support/mariadb-connection";

const KEY = Buffer.alloc(32, 7);

/**
 * The try box on a MySQL connection gives the gateway's verdict for reads through views: a review
 * rule on a column holds a read of a view computed from it and a view it cannot trace (saying
 * why), lets a view that does not read it answer, and when the console cannot read the catalog it
 * gives the fail-closed verdict and says the failure is the console's.
 */
describe("the try box follows MySQL views into review and COLUMN rules", () => {
  const maria = inject("mariadb");
  const database = `tryv_${randomBytes(4).toString("hex")}`;
  let store: AdminStore;
  let admin: AdminContext;
  let server: mysql.Connection;
  let shop: string;
  let gone: string;

  const save = async (name: string, port: number) => {
    const connection = await saveMariaDbConnection(admin, maria, { name, port, database });
    await saveReviewRule(admin, {
      input: {
        name: `${name}-salary`,
        connectionId: connection.id,
        match: { columns: ["employees.salary"] },
        reviewerGroups: ["finance"],
      },
    });
    await saveGuardrail(admin, {
      input: {
        name: `${name}-ssn`,
        connectionId: connection.id,
        kind: "COLUMN",
        effect: "DENY",
        match: { columns: ["employees.ssn"] },
      },
    });
    return connection.id;
  };

  beforeAll(async () => {
    store = await createAdminStore({ roles: [{ idpGroup: "admins", role: "ADMIN" }], secretKey: KEY });
    admin = await store.contextFor("ada@example.test", ["admins"]);
    await saveReviewerGroup(admin, { input: { name: "finance", idpGroup: "finance" } });
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
      CREATE TABLE employees (id INT PRIMARY KEY, name VARCHAR(40), ssn VARCHAR(20), salary INT);
      CREATE TABLE departments (id INT PRIMARY KEY);
      CREATE VIEW pay AS SELECT id, salary AS s FROM employees;
      CREATE VIEW pay_of_pay AS SELECT s * 2 AS s2 FROM pay;
      CREATE VIEW staff AS SELECT id, name FROM employees;
      CREATE VIEW ssn_view AS SELECT ssn AS tax_id FROM employees;
      CREATE FUNCTION echo_int(x INT) RETURNS INT DETERMINISTIC RETURN x;
      CREATE VIEW dept_codes AS SELECT echo_int(id) AS code FROM departments;
    `);
    shop = await save("shop-views", maria.port);
    // Port 1 is never a MariaDB: the catalog read is refused at once.
    gone = await save("gone-views", 1);
  });
  afterAll(async () => {
    await server?.query(`DROP DATABASE IF EXISTS ${database}`);
    await server?.end();
    await store?.drop();
  });

  const judge = (connectionId: string, statement: string) =>
    tryStatement(admin, { input: { connectionId, statement } });

  it("holds reads through views of the reviewed column, and refuses those of the denied one", async () => {
    for (const statement of ["SELECT s FROM pay", "SELECT s2 FROM pay_of_pay", "UPDATE pay SET s = 1"]) {
      const result = await judge(shop, statement);
      expect(result.verdict, statement).toMatchObject({ kind: "hold", rule: "shop-views-salary" });
      expect(result.catalogProblem, statement).toBeNull();
    }
    expect((await judge(shop, "SELECT tax_id FROM ssn_view")).verdict).toMatchObject({
      kind: "deny",
      rule: "shop-views-ssn",
    });
  });

  it("lets a view that reads neither answer", async () => {
    const result = await judge(shop, "SELECT name FROM staff");
    expect(result.verdict).toMatchObject({ kind: "allow" });
    expect(result.catalogProblem).toBeNull();
  });

  // A view that may read every column reaches the denied one too: the guardrail speaks first.
  it("refuses a view it cannot trace, saying why", async () => {
    const result = await judge(shop, "SELECT code FROM dept_codes");
    expect(result.verdict).toMatchObject({
      kind: "deny",
      rule: "shop-views-ssn",
      message: expect.stringContaining("echo_int(), which is not a known built-in"),
    });
  });

  it("without the catalog, gives the fail-closed verdict and says the console could not read it", async () => {
    const result = await judge(gone, "SELECT name FROM staff");
    expect(result.verdict).toMatchObject({
      kind: "deny",
      rule: "gone-views-ssn",
      message: expect.stringContaining("the upstream's catalog could not be read"),
    });
    expect(result.catalogProblem).toMatch(/could not read the upstream's catalog \(.*ECONNREFUSED/);
    expect(result.catalogProblem).not.toContain(maria.password);
  });
});
