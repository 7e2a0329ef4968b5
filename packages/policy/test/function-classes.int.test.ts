import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../../../test/support";
import { readCall } from "../src/function-calls";
import { FUNCTION_CLASS_RANK } from "../src/function-class";
import { FUNCTION_CLASSES, SAFE_OPERATORS } from "../src/generated/function-classes";

/**
 * The committed classification against the server the tests run: every function of a fresh
 * database's pg_proc (pg_catalog and information_schema) has a class, so none is judged unknown by
 * accident and none was defaulted to safe. A server upgrade that adds functions fails here until
 * the generator is run with rules for them.
 */

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let client: pg.Client;
beforeAll(async () => {
  database = await createTestDatabase("fnclass");
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
});
afterAll(async () => {
  await client?.end();
  await database?.drop();
});

describe("the function classification", () => {
  it("classifies every function of a fresh server's pg_proc", async () => {
    const { rows } = await client.query<{ schema: string; name: string }>(
      "SELECT DISTINCT n.nspname AS schema, p.proname AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace",
    );
    expect(rows.length).toBeGreaterThan(2500);
    const missing = rows.filter((row) => FUNCTION_CLASSES[row.schema]?.[row.name] === undefined);
    expect(missing).toEqual([]);
    const schemas = new Set(rows.map((row) => row.schema));
    expect([...schemas].sort()).toEqual(["information_schema", "pg_catalog"]);
    for (const names of Object.values(FUNCTION_CLASSES)) {
      for (const cls of Object.values(names)) expect(FUNCTION_CLASS_RANK).toContain(cls);
    }
  });

  it("classifies a name by its most dangerous overload", async () => {
    // ts_rewrite(tsquery, text) runs a query; ts_rewrite(tsquery, tsquery, tsquery) does not.
    const { rows } = await client.query<{ signature: string }>(
      "SELECT oid::regprocedure::text AS signature FROM pg_proc WHERE proname = 'ts_rewrite' ORDER BY 1",
    );
    expect(rows.map((row) => row.signature)).toEqual([
      "ts_rewrite(tsquery,text)",
      "ts_rewrite(tsquery,tsquery,tsquery)",
    ]);
    expect(FUNCTION_CLASSES["pg_catalog"]?.["ts_rewrite"]).toBe("executes-sql");
    expect(readCall({ schema: "pg_catalog", name: "ts_rewrite" }, true)).toEqual({
      kind: "known",
      cls: "executes-sql",
    });
  });

  it("knows every built-in operator it lets through", async () => {
    const { rows } = await client.query<{ name: string }>(
      "SELECT DISTINCT oprname AS name FROM pg_operator WHERE oprnamespace = 'pg_catalog'::regnamespace",
    );
    const builtin = new Set(rows.map((row) => row.name));
    expect(SAFE_OPERATORS.filter((name) => !builtin.has(name))).toEqual([]);
    expect(SAFE_OPERATORS.length).toBe(builtin.size);
  });
});
