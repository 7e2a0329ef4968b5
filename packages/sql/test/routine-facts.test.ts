import type { StatementFacts } from "@sluice/sql/facts";
import { loadParser, parseStatements } from "@sluice/sql/parser";
import { beforeAll, describe, expect, it } from "vitest";

beforeAll(() => loadParser());

function one(sql: string): StatementFacts {
  const parsed = parseStatements(sql);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.statements[0] as StatementFacts;
}

describe("function calls and operators, as the server reads their names", () => {
  it("keeps a quoted name's case and dots, and the schema only when the call names one", () => {
    expect(one(`SELECT "Now"(), "pg_catalog.now"(), "pg_catalog"."now"(), db.s.f()`).functionCalls).toEqual([
      { schema: null, name: "Now" },
      { schema: null, name: "pg_catalog.now" },
      { schema: "pg_catalog", name: "now" },
      { schema: "s", name: "f" },
    ]);
  });

  it("reads unicode escapes and folds unquoted names as the parser does", () => {
    expect(
      one(`SELECT U&"query\\005fto_xml"('x', true, true, ''), PG_CATALOG.TS_STAT('x')`).functionCalls,
    ).toEqual([
      { schema: null, name: "query_to_xml" },
      { schema: "pg_catalog", name: "ts_stat" },
    ]);
  });

  it("finds the call CALL holds without its type wrapper, and SQL-syntax functions", () => {
    expect(one("CALL public.proc(1)").functionCalls).toEqual([{ schema: "public", name: "proc" }]);
    expect(one("SELECT EXTRACT(year FROM now())").functionCalls).toEqual([
      { schema: "pg_catalog", name: "extract" },
      { schema: null, name: "now" },
    ]);
  });

  it("records operators of expressions, ANY/ALL subqueries and ORDER BY USING, but not BETWEEN", () => {
    const f = one(
      "SELECT 1 OPERATOR(s.===) 2 FROM t WHERE a BETWEEN 1 AND 2 AND b = ANY (SELECT 1) ORDER BY c USING ~<~",
    );
    expect(f.operators).toEqual([
      { schema: "s", name: "===" },
      { schema: null, name: "=" },
      { schema: null, name: "~<~" },
    ]);
  });

  it("reads a trigger's EXECUTE FUNCTION as a call of that function", () => {
    const trigger = one(
      "CREATE TRIGGER t BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION audit.stamp()",
    );
    expect(trigger.functionCalls).toEqual([{ schema: "audit", name: "stamp" }]);
    expect(trigger.tablesWritten).toEqual([{ schema: null, name: "orders" }]);
    expect(one("CREATE TRIGGER t AFTER DELETE ON orders EXECUTE PROCEDURE Stamp()").functions).toEqual([
      "stamp",
    ]);
    expect(
      one("CREATE EVENT TRIGGER e ON ddl_command_start EXECUTE FUNCTION public.on_ddl()").functionCalls,
    ).toEqual([{ schema: "public", name: "on_ddl" }]);
  });

  it("records every type a cast names, qualified as written, with what the cast holds", () => {
    const facts = one("SELECT 'x'::mytype, CAST(id AS s.other), lower(n)::int, n::text FROM t");
    expect(facts.typeCasts).toEqual([
      { schema: null, name: "mytype" },
      { schema: "s", name: "other" },
      { schema: "pg_catalog", name: "int4" },
      { schema: null, name: "text" },
    ]);
    expect(facts.functionCalls).toEqual([{ schema: null, name: "lower" }]);
    expect(facts.columns).toEqual(expect.arrayContaining(["id", "n"]));
  });
});
