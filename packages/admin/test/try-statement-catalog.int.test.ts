import { createServer, type Server } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../../../test/support";
import type { AdminContext } from "../src/actor";
import { saveMaskingRule } from "../src/masking-rules";
import { saveReviewerGroup, saveReviewRule } from "../src/review-rules";
import { saveConnection } from "../src/save-connection";
import { TRY_CATALOG_TIMEOUT_MS } from "../src/try-catalog";
import { tryStatement } from "../src/try-statement";
import { type AdminStore, createAdminStore } from "./support/admin-store";

const KEY = Buffer.alloc(32, 9);

/**
 * The try box judges writes on a masked Postgres connection with the upstream's catalog, as the
 * gateway does: a write whose table runs no owner code is allowed, one whose trigger calls a user
 * function is refused by sluice:owner-code, and an unreadable catalog is said to be the console's.
 */
describe("the try box reads the upstream's catalog on a masked connection", () => {
  let store: AdminStore;
  let upstream: { url: string; drop: () => Promise<void> };
  let admin: AdminContext;
  let reachable: string;
  let unreachable: string;
  let silent: string;
  let silentServer: Server;

  const save = async (name: string, port: number) => {
    const url = new URL(upstream.url);
    const connection = await saveConnection(admin, {
      input: {
        name,
        host: url.hostname,
        port,
        database: url.pathname.slice(1),
        username: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
        tlsMode: "DISABLE",
      },
    });
    await saveMaskingRule(admin, {
      input: {
        name: `${name}-ssn`,
        connectionId: connection.id,
        columnSelector: "public.customers.ssn",
        strategy: "REDACT",
      },
    });
    return connection.id;
  };

  beforeAll(async () => {
    store = await createAdminStore({ roles: [{ idpGroup: "admins", role: "ADMIN" }], secretKey: KEY });
    upstream = await createTestDatabase("try_catalog");
    const direct = new pg.Client({ connectionString: upstream.url });
    await direct.connect();
    await direct.query(`
      CREATE TABLE customers (id int, ssn text);
      CREATE TABLE notes (id int, body text);
      CREATE TABLE orders (id int, customer_id int);
      CREATE TABLE audit (ssn text);
      CREATE TABLE employees (id int, salary int, salary_x2 int GENERATED ALWAYS AS (salary * 2) STORED);
      CREATE VIEW pay AS SELECT id, salary FROM employees;
      CREATE FUNCTION copy_ssn() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN INSERT INTO audit SELECT ssn FROM customers WHERE id = NEW.customer_id; RETURN NEW; END $$;
      CREATE TRIGGER copy_ssn AFTER INSERT ON orders FOR EACH ROW EXECUTE FUNCTION copy_ssn();`);
    await direct.end();
    admin = await store.contextFor("ada@example.test", ["admins"]);
    reachable = await save("shop", Number(new URL(upstream.url).port));
    // Port 1 is never a PostgreSQL server: the connect is refused at once.
    unreachable = await save("gone", 1);
    // Accepts the connection and never says a word: only the try box's own bound ends the wait.
    silentServer = createServer(() => {});
    await new Promise<void>((resolve) => silentServer.listen(0, "127.0.0.1", resolve));
    const address = silentServer.address();
    silent = await save("silent", typeof address === "object" && address ? address.port : 0);
  });
  afterAll(async () => {
    silentServer?.close();
    await store?.drop();
    await upstream?.drop();
  });

  const judge = (connectionId: string, statement: string) =>
    tryStatement(admin, { input: { connectionId, statement } });

  it("allows an INSERT into a table that runs no owner code", async () => {
    const result = await judge(reachable, "INSERT INTO notes VALUES (1, 'hello')");
    expect(result.verdict).toMatchObject({ kind: "allow" });
    expect(result.catalogProblem).toBeNull();
  });

  it("refuses an INSERT whose trigger calls a user plpgsql function, naming it", async () => {
    const result = await judge(reachable, "INSERT INTO orders VALUES (1, 1)");
    expect(result.verdict).toMatchObject({ kind: "deny", rule: "sluice:owner-code" });
    expect(result.verdict).toHaveProperty("message", expect.stringContaining("trigger copy_ssn"));
    expect(result.verdict).toHaveProperty("message", expect.stringContaining("public.copy_ssn()"));
    expect(result.catalogProblem).toBeNull();
  });

  it("holds a read of a generated column, or a view, over a column a review rule names", async () => {
    await saveReviewerGroup(admin, { input: { name: "finance", idpGroup: "finance" } });
    await saveReviewRule(admin, {
      input: {
        name: "salary-reads",
        connectionId: reachable,
        match: { columns: ["public.employees.salary"] },
        reviewerGroups: ["finance"],
      },
    });
    for (const statement of ["SELECT salary_x2 FROM employees", "SELECT salary FROM pay"]) {
      const result = await judge(reachable, statement);
      expect(result.verdict, statement).toMatchObject({ kind: "hold", rule: "salary-reads" });
    }
    expect((await judge(reachable, "SELECT id FROM employees")).verdict).toMatchObject({ kind: "allow" });
  });

  it("fails closed on an unreachable upstream and says the console could not read its catalog", async () => {
    const result = await judge(unreachable, "INSERT INTO notes VALUES (1, 'hello')");
    expect(result.verdict).toMatchObject({ kind: "deny", rule: "sluice:owner-code" });
    expect(result.verdict).toHaveProperty("message", expect.stringContaining("catalog could not be read"));
    expect(result.catalogProblem).toContain("The console could not read the upstream's catalog");
    expect(result.catalogProblem).toContain("ECONNREFUSED");
    expect(result.catalogProblem).not.toContain(decodeURIComponent(new URL(upstream.url).password));
  });

  it("gives up on an upstream that never answers within its bound, and says so", async () => {
    // The upstream never answers: a verdict at all means the read gave up, and the problem says it
    // was its bound (the reader's own timer or the driver's connect timeout, both at the bound) that
    // ended it. How long that took on the wall clock is the machine's load, not the product's.
    const result = await judge(silent, "INSERT INTO notes VALUES (1, 'hello')");
    expect(result.verdict).toMatchObject({ kind: "deny", rule: "sluice:owner-code" });
    expect(result.catalogProblem).toContain("The console could not read the upstream's catalog");
    expect(result.catalogProblem).toMatch(
      new RegExp(`did not answer within ${TRY_CATALOG_TIMEOUT_MS} ms|connection timeout|timeout expired`),
    );
  }, 20_000);
});
