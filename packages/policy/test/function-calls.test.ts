import type { ConnectionPolicy, GuardrailRule } from "@sluice/policy/rules";
import { parseGuardrail } from "@sluice/policy/rules";
import { loadParser, parseStatements } from "@sluice/sql/parser";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluate } from "../src/engine";
import { PolicySessionState } from "../src/session-state";

beforeAll(() => loadParser());

const allow = (...functions: string[]): GuardrailRule =>
  parseGuardrail({
    name: "allow-these",
    kind: "FUNCTION",
    effect: "ALLOW",
    match: { functions },
    message: null,
  });

function policy(guardrails: GuardrailRule[] = [], isReadOnly = false): ConnectionPolicy {
  return { connectionName: "shop", isReadOnly, guardrails, reviews: [] };
}

function judge(p: ConnectionPolicy, sql: string, state = new PolicySessionState("app")) {
  const parsed = parseStatements(sql);
  state.absorbPathChanges(parsed);
  const verdict = evaluate(p, parsed, state);
  if (verdict.kind === "allow") state.afterAllowed(parsed);
  return verdict;
}

const ruleOf = (sql: string, p = policy(), state?: PolicySessionState) => {
  const verdict = judge(p, sql, state);
  return verdict.kind === "deny" ? verdict.rule : verdict.kind;
};

describe("functions judged by what they do", () => {
  it("refuses built-ins that run SQL or read whole tables by name, however they are reached", () => {
    for (const sql of [
      "SELECT ts_stat('SELECT to_tsvector(ssn) FROM customers')",
      "SELECT * FROM ts_stat('SELECT to_tsvector(ssn) FROM customers')",
      "SELECT ts_rewrite('a'::tsquery, 'SELECT ''a''::tsquery, ''b''::tsquery')",
      "SELECT cursor_to_xml('c', 10, false, false, '')",
      "SELECT pg_catalog.schema_to_xml_and_xmlschema('public', true, false, '')",
      "SELECT PG_CATALOG.QUERY_TO_XML('SELECT 1', true, true, '')",
      `SELECT U&"query\\005fto_xml"('SELECT 1', true, true, '')`,
      "WITH x AS (SELECT table_to_xml('customers', true, true, '')) SELECT * FROM x",
      "VALUES (database_to_xml(true, true, ''))",
      "EXPLAIN ANALYZE SELECT query_to_xmlschema('SELECT 1', true, true, '')",
      "PREPARE p AS SELECT query_to_xml($1, true, true, '')",
    ]) {
      expect(ruleOf(sql), sql).toBe("sluice:hidden-sql");
    }
  });

  it("says which function, why, and how an admin allows it by name", () => {
    const verdict = judge(policy(), "SELECT ts_stat('SELECT 1')");
    expect(verdict).toMatchObject({
      kind: "deny",
      rule: "sluice:hidden-sql",
      message: expect.stringContaining(
        'ts_stat() runs SQL given as text or a cursor, or reads whole tables by name, which the gateway cannot judge; an admin can allow it by name with an ALLOW FUNCTION guardrail (functions: ["ts_stat"])',
      ),
    });
    expect(judge(policy([allow("ts_stat")]), "SELECT ts_stat('SELECT 1')")).toEqual({ kind: "allow" });
  });

  it("allows pure built-ins, aggregates, window functions and SQL-syntax functions", () => {
    for (const sql of [
      "SELECT lower(name), count(*), row_number() OVER () FROM t GROUP BY 1",
      "SELECT EXTRACT(year FROM now()), trim(' x '), substring('abc' FROM 2), coalesce(1, 2)",
      "SELECT pg_catalog.format('%s', 1), information_schema._pg_expandarray(ARRAY[1])",
      "SELECT ts_rank(to_tsvector('a'), 'a'::tsquery), xpath('/a', '<a/>'::xml)",
      "SELECT 1 + 2 * 3, 'a' || 'b', ARRAY[1] @> ARRAY[1], 1 OPERATOR(pg_catalog.+) 1",
    ]) {
      expect(judge(policy(), sql), sql).toEqual({ kind: "allow" });
    }
  });

  it("refuses any function it does not know, in any schema, unless an ALLOW FUNCTION names it", () => {
    expect(ruleOf("SELECT public.evil()")).toBe("sluice:unknown-function");
    expect(ruleOf("SELECT evil()")).toBe("sluice:unknown-function");
    expect(ruleOf("SELECT * FROM myext.table_dump('customers')")).toBe("sluice:unknown-function");
    expect(ruleOf("SELECT pg_temp.f()")).toBe("sluice:unknown-function");
    expect(ruleOf("CALL public.do_things()")).toBe("sluice:unknown-function");
    expect(judge(policy(), "SELECT public.evil()")).toMatchObject({
      message: expect.stringContaining("public.evil() is not a function Sluice can judge"),
    });
    expect(judge(policy([allow("public.evil")]), "SELECT public.evil()")).toEqual({ kind: "allow" });
    // Allowing public.evil does not allow whatever an unqualified evil() resolves to.
    expect(ruleOf("SELECT evil()", policy([allow("public.evil")]))).toBe("sluice:unknown-function");
    expect(judge(policy([allow("myext.*")]), "SELECT myext.table_dump('x')")).toEqual({ kind: "allow" });
  });

  it("reads names exactly as the server does: quoted case and dots are not the built-in", () => {
    // The server looks for a function named "Now" or "pg_catalog.now", never pg_catalog.now.
    expect(ruleOf(`SELECT "Now"()`)).toBe("sluice:unknown-function");
    expect(ruleOf(`SELECT "pg_catalog.now"()`)).toBe("sluice:unknown-function");
    expect(ruleOf(`SELECT "Query_to_xml"('SELECT 1', true, true, '')`)).not.toBe("allow");
    expect(ruleOf(`SELECT "pg_catalog"."now"()`)).toBe("allow");
  });

  it("keeps known extensions' dangerous functions in their class wherever they are installed", () => {
    expect(ruleOf("SELECT dblink('x', 'y')")).toBe("sluice:hidden-sql");
    expect(ruleOf("SELECT * FROM ext.dblink_exec('x', 'y')")).toBe("sluice:hidden-sql");
    expect(ruleOf("SELECT * FROM public.pg_stat_statements(true)")).toBe("sluice:catalog-values");
    expect(ruleOf("SELECT pg_stat_get_backend_activity(1)")).toBe("sluice:catalog-values");
    expect(ruleOf("SELECT adminpack.pg_file_write('/tmp/x', 'y', false)")).toBe("sluice:server-files");
  });

  it("refuses server files, large objects and server control", () => {
    expect(ruleOf("SELECT pg_read_file('/etc/passwd')")).toBe("sluice:server-files");
    expect(ruleOf("SELECT * FROM pg_ls_summariesdir()")).toBe("sluice:server-files");
    expect(ruleOf("SELECT * FROM pg_hba_file_rules()")).toBe("sluice:server-files");
    expect(ruleOf("SELECT lo_from_bytea(0, 'x')")).toBe("sluice:server-files");
    expect(ruleOf("SELECT pg_terminate_backend(1)")).toBe("sluice:server-files");
    expect(ruleOf("SELECT pg_create_logical_replication_slot('s', 'pgoutput')")).toBe("sluice:server-files");
    expect(ruleOf("SELECT * FROM pg_logical_slot_peek_changes('s', NULL, NULL)")).toBe("sluice:hidden-sql");
    expect(ruleOf("SELECT pg_mcv_list_items(stxdmcv) FROM pg_statistic_ext_data")).toBe(
      "sluice:catalog-values",
    );
  });

  it("lets a read-only connection neither write nor notify through a function", () => {
    for (const sql of [
      "SELECT nextval('orders_id_seq')",
      "SELECT setval('s', 1)",
      "SELECT pg_notify('c', 'x')",
    ]) {
      expect(ruleOf(sql, policy([], true)), sql).toBe("sluice:read-only");
      expect(ruleOf(sql, policy([], false)), sql).toBe("allow");
      // Naming the function does not turn read-only off.
      expect(ruleOf(sql, policy([allow("nextval", "setval", "pg_notify")], true)), sql).toBe(
        "sluice:read-only",
      );
    }
    expect(ruleOf("SELECT currval('s'), pg_sleep(0), pg_advisory_xact_lock(1)", policy([], true))).toBe(
      "allow",
    );
    // Unplaced on the path, nextval may still be the built-in: still a write.
    const state = new PolicySessionState("app");
    const readOnly = policy([allow("nextval")], true);
    expect(ruleOf("SET search_path = public, pg_catalog", readOnly, state)).toBe("allow");
    expect(ruleOf("SELECT nextval('s')", readOnly, state)).toBe("sluice:read-only");
  });

  it("trusts an unqualified built-in only while pg_catalog is searched first", () => {
    const state = new PolicySessionState("app");
    expect(ruleOf("SELECT lower('A')", policy(), state)).toBe("allow");
    expect(ruleOf("SET search_path = public, pg_catalog", policy(), state)).toBe("allow");
    // public.lower(text) would now win over pg_catalog.lower(text).
    expect(ruleOf("SELECT lower('A')", policy(), state)).toBe("sluice:unknown-function");
    expect(ruleOf("SELECT 1 = 1", policy(), state)).toBe("sluice:unknown-function");
    expect(ruleOf("SELECT pg_catalog.lower('A') OPERATOR(pg_catalog.||) 'b'", policy(), state)).toBe("allow");
    // A path computed in the statement itself is no better.
    expect(ruleOf("SELECT set_config('search_path', current_setting('x'), false), lower('A')")).toBe(
      "sluice:unknown-function",
    );
    // Even from an earlier statement of the same message, judged before it runs.
    const computed = new PolicySessionState("app");
    expect(
      ruleOf(
        "SELECT pg_catalog.set_config('search_path', pg_catalog.concat('public,', 'pg_catalog'), false); SELECT lower('A')",
        policy(),
        computed,
      ),
    ).toBe("sluice:unknown-function");
    expect(ruleOf("SELECT lower('A')", policy(), computed)).toBe("sluice:unknown-function");
    // Or a constant path under a computed setting name, where an ALLOW SETTING "*" lets that through.
    const anyName = new PolicySessionState("app");
    const anySetting = policy([
      parseGuardrail({
        name: "any",
        kind: "SETTING",
        effect: "ALLOW",
        match: { settings: ["*"] },
        message: null,
      }),
    ]);
    expect(
      ruleOf(
        "SELECT pg_catalog.set_config(pg_catalog.current_setting('x'), 'public, pg_catalog', false); SELECT lower('A')",
        anySetting,
        anyName,
      ),
      // A computed name could be client_encoding: refused first as a pinned setting, whatever rule allows.
    ).toBe("sluice:pinned-setting");
    // A refused built-in stays refused whichever function wins.
    expect(ruleOf("SELECT query_to_xml('SELECT 1', true, true, '')", policy(), state)).toBe(
      "sluice:hidden-sql",
    );
  });

  it("refuses operators it cannot place, and lets ALLOW FUNCTION name one", () => {
    expect(ruleOf("SELECT 1 OPERATOR(myschema.===) 2")).toBe("sluice:unknown-function");
    expect(ruleOf("SELECT 1 === 2")).toBe("sluice:unknown-function");
    expect(ruleOf("SELECT 1 FROM t WHERE x OPERATOR(public.=) ANY (SELECT 1)")).toBe(
      "sluice:unknown-function",
    );
    expect(ruleOf("SELECT x FROM t ORDER BY x USING OPERATOR(public.<)")).toBe("sluice:unknown-function");
    expect(ruleOf("SELECT 1 OPERATOR(pg_catalog.===) 2")).toBe("sluice:unknown-function");
    expect(ruleOf("SELECT 1 FROM t WHERE x BETWEEN 1 AND 2 AND y IN (1, 2) AND z LIKE 'a%'")).toBe("allow");
    expect(ruleOf("SELECT 1 OPERATOR(myschema.===) 2", policy([allow("myschema.===")]))).toBe("allow");
  });
});
