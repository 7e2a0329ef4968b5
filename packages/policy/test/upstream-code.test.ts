import type { ConnectionPolicy, GuardrailRule } from "@sluice/policy/rules";
import { parseGuardrail } from "@sluice/policy/rules";
import { type UpstreamCode, upstreamCode } from "@sluice/policy/upstream-code";
import type { StatementFacts } from "@sluice/sql/facts";
import { loadParser, parseStatements } from "@sluice/sql/parser";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluate, type SessionContext } from "../src/engine";
import { mayRunUnjudgedCode } from "../src/unjudged-code";

beforeAll(() => loadParser());

/** A database whose owner shadowed built-ins, added a user type with casts, and a trigger. */
const CODE: UpstreamCode = upstreamCode({
  writeRunsCode: [
    { schema: "public", table: "audited" },
    { schema: "public", table: "parent_of_audited" },
  ],
  readRunsCode: [{ schema: "public", table: "view_calls" }],
  userFunctions: [
    { schema: "public", name: "upper" },
    { schema: "util", name: "lower" },
    { schema: "public", name: "monthly_totals" },
  ],
  userOperators: [{ schema: "public", name: "<->" }],
  typeCode: [
    { typeSchema: "public", typeName: "money2", functionSchema: "public", functionName: "money2_in" },
    { typeSchema: "pg_catalog", typeName: "int4", functionSchema: "public", functionName: "money2_to_int" },
  ],
  hasEventTriggers: false,
});
const NO_SHADOWS: UpstreamCode = upstreamCode({
  writeRunsCode: [],
  userFunctions: [],
  userOperators: [],
  typeCode: [],
  hasEventTriggers: true,
});

const allow = (...functions: string[]): GuardrailRule =>
  parseGuardrail({
    name: "allow-these",
    kind: "FUNCTION",
    effect: "ALLOW",
    match: { functions },
    message: null,
  });

function policy(guardrails: GuardrailRule[] = []): ConnectionPolicy {
  return { connectionName: "shop", isReadOnly: false, guardrails, reviews: [] };
}

function session(code: UpstreamCode | undefined): SessionContext {
  return {
    searchPath: ["public"],
    implicitSchemas: new Set(),
    prepared: new Map(),
    ...(code ? { upstreamCode: code } : {}),
  };
}

function facts(sql: string): StatementFacts[] {
  const parsed = parseStatements(sql);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.statements;
}

const ruleOf = (sql: string, p = policy(), code: UpstreamCode | null = CODE) => {
  const verdict = evaluate(p, parseStatements(sql), session(code ?? undefined));
  return verdict.kind === "deny" ? verdict.rule : verdict.kind;
};

describe("built-ins shadowed by the database's own functions", () => {
  it("treats an unqualified call of a shadowed built-in as unknown, and pg_catalog.f as the built-in", () => {
    expect(ruleOf("SELECT upper(5)")).toBe("sluice:unknown-function");
    expect(ruleOf("SELECT lower('A')")).toBe("sluice:unknown-function");
    expect(ruleOf("SELECT pg_catalog.upper('a')")).toBe("allow");
    expect(ruleOf("SELECT length('a')")).toBe("allow");
    // Without the catalog read, the classified built-in (the documented residual).
    expect(ruleOf("SELECT upper(5)", policy(), null)).toBe("allow");
  });

  it("says where the shadowing function lives, and an ALLOW rule relaxes it", () => {
    const verdict = evaluate(policy(), parseStatements("SELECT lower(5)"), session(CODE));
    expect(verdict).toMatchObject({
      kind: "deny",
      message: expect.stringContaining("outside pg_catalog (in util)"),
    });
    expect(ruleOf("SELECT lower(5)", policy([allow("lower")]))).toBe("allow");
  });

  it("treats a built-in operator the database also defines as unknown", () => {
    expect(ruleOf("SELECT point '(0,0)' <-> point '(1,1)'")).toBe("sluice:unknown-function");
    expect(ruleOf("SELECT point '(0,0)' OPERATOR(pg_catalog.<->) point '(1,1)'")).toBe("allow");
    expect(ruleOf("SELECT 1 < 2")).toBe("allow");
  });
});

describe("casts that run functions outside pg_catalog", () => {
  it("refuses a cast to a type with a user input function, qualified or not, unless allowed", () => {
    expect(ruleOf("SELECT 'x'::money2")).toBe("sluice:unknown-function");
    expect(ruleOf("SELECT CAST('x' AS public.money2)")).toBe("sluice:unknown-function");
    expect(ruleOf("SELECT '{x}'::money2[]")).toBe("sluice:unknown-function");
    expect(ruleOf("SELECT 'x'::money2", policy([allow("public.money2_in")]))).toBe("allow");
  });

  it("refuses a cast to a built-in type a user cast function converts to, and names the cast", () => {
    const verdict = evaluate(policy(), parseStatements("SELECT v::int FROM t"), session(CODE));
    expect(verdict).toMatchObject({
      kind: "deny",
      rule: "sluice:unknown-function",
      message: expect.stringContaining(
        "public.money2_to_int() is not a function Sluice can judge: a cast to or from pg_catalog.int4",
      ),
    });
    expect(ruleOf("SELECT v::text FROM t")).toBe("allow");
  });
});

describe("statements that may run code nobody judged", () => {
  const runs = (sql: string, code: UpstreamCode | null = CODE) =>
    mayRunUnjudgedCode(facts(sql), session(code ?? undefined));

  it("counts functions allowed only by name, DO, CALL and casts that run user code", () => {
    expect(runs("SELECT public.monthly_totals()")).toBe(true);
    expect(runs("SELECT upper('a')")).toBe(true);
    expect(runs("SELECT ts_stat('SELECT 1')")).toBe(true);
    expect(runs("DO $$ BEGIN END $$")).toBe(true);
    expect(runs("CALL refresh_all()")).toBe(true);
    expect(runs("SELECT 'x'::money2")).toBe(true);
    expect(runs("SELECT 1 OPERATOR(public.===) 1")).toBe(true);
    expect(runs("SELECT point '(0,0)' <-> point '(1,1)'")).toBe(true);
  });

  it("counts writes to relations with triggers or rules, by any name the server could resolve", () => {
    expect(runs("INSERT INTO audited VALUES (1)")).toBe(true);
    expect(runs("UPDATE public.parent_of_audited SET a = 1 WHERE id = 1")).toBe(true);
    expect(runs("WITH d AS (DELETE FROM audited RETURNING 1) SELECT * FROM d")).toBe(true);
    expect(runs("INSERT INTO plain VALUES (1)")).toBe(false);
    expect(runs("UPDATE other.audited SET a = 1 WHERE id = 1")).toBe(false);
  });

  it("counts reads of relations whose reads run code (views, policies, column types), by any name", () => {
    expect(runs("SELECT * FROM view_calls")).toBe(true);
    expect(runs("SELECT (SELECT count(*) FROM public.view_calls)")).toBe(true);
    expect(runs("INSERT INTO plain SELECT * FROM view_calls")).toBe(true);
    expect(runs("SELECT * FROM other.view_calls")).toBe(false);
  });

  it("counts everything once a user function backs a cast the server applies between built-in types", () => {
    const everywhere = upstreamCode({
      writeRunsCode: [],
      userFunctions: [],
      userOperators: [],
      typeCode: [],
      hasEventTriggers: false,
      hasBuiltinCastCode: true,
    });
    expect(runs("SELECT 1", everywhere)).toBe(true);
    expect(runs("SELECT 1", NO_SHADOWS)).toBe(false);
  });

  it("counts every read and write when the catalog could not be read, and DDL while an event trigger exists", () => {
    expect(runs("INSERT INTO plain VALUES (1)", null)).toBe(true);
    expect(runs("SELECT * FROM plain", null)).toBe(true);
    expect(runs("CREATE TABLE x (a int)", NO_SHADOWS)).toBe(true);
    expect(runs("CREATE TABLE x (a int)")).toBe(false);
  });

  it("leaves classified safe built-ins, reads and plain writes alone", () => {
    expect(runs("SELECT lower(email), now(), count(*) FROM customers WHERE id = 1", NO_SHADOWS)).toBe(false);
    expect(runs("SELECT pg_catalog.upper('a')")).toBe(false);
    expect(runs("INSERT INTO plain SELECT * FROM audited")).toBe(false);
  });
});

describe("views whose writes reach pg_settings", () => {
  const SETTINGS_VIEWS = upstreamCode({
    writeRunsCode: [{ schema: "public", table: "knobs" }],
    writeSetsSettings: [{ schema: "public", table: "knobs" }],
    userFunctions: [],
    userOperators: [],
    typeCode: [],
    hasEventTriggers: false,
  });

  it("judges a write to one as a write to pg_settings, by any spelling, and leaves reads alone", () => {
    const sql = "UPDATE knobs SET setting = 'x' WHERE name = 'role'";
    expect(ruleOf(sql, policy(), SETTINGS_VIEWS)).toBe("sluice:privilege-change");
    expect(ruleOf(sql.replace("knobs", "public.knobs"), policy(), SETTINGS_VIEWS)).toBe(
      "sluice:privilege-change",
    );
    expect(ruleOf(sql.replace("knobs", "other.knobs"), policy(), SETTINGS_VIEWS)).toBe("allow");
    expect(ruleOf("SELECT setting FROM knobs", policy(), SETTINGS_VIEWS)).toBe("allow");
    expect(mayRunUnjudgedCode(facts(sql), session(SETTINGS_VIEWS))).toBe(true);
  });
});
