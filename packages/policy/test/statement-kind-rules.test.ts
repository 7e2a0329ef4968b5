import type { ConnectionPolicy, GuardrailRule, ReviewRule } from "@sluice/policy/rules";
import { parseGuardrail, ZReviewMatch } from "@sluice/policy/rules";
import { loadParser, parseStatements } from "@sluice/sql/parser";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluate } from "../src/engine";
import { PolicySessionState } from "../src/session-state";

beforeAll(() => loadParser());

const rule = (name: string, kind: string, match: unknown, effect = "DENY"): GuardrailRule =>
  parseGuardrail({ name, kind, effect, match, message: null });

function policy(guardrails: GuardrailRule[], reviews: ReviewRule[] = []): ConnectionPolicy {
  return { connectionName: "shop", isReadOnly: false, guardrails, reviews };
}

function judge(p: ConnectionPolicy, sql: string, state = new PolicySessionState("app")) {
  const parsed = parseStatements(sql);
  state.absorbPathChanges(parsed);
  const verdict = evaluate(p, parsed, state);
  if (verdict.kind === "allow") state.afterAllowed(parsed);
  return verdict;
}

describe("STATEMENT_KIND rules match families", () => {
  const noAlter = policy([rule("no-alter", "STATEMENT_KIND", { kinds: ["alter"] })]);

  it.each([
    "ALTER TABLE orders ADD COLUMN x int",
    "ALTER TABLE orders RENAME TO o",
    "ALTER TABLE orders SET SCHEMA archive",
    "ALTER SEQUENCE s RESTART",
    "ALTER POLICY p ON orders USING (true)",
  ])("ALTER denies %s", (sql) => {
    expect(judge(noAlter, sql)).toMatchObject({ kind: "deny", rule: "no-alter" });
  });

  it("leaves what is not in the family alone", () => {
    expect(judge(noAlter, "CREATE TABLE t (id int)")).toEqual({ kind: "allow" });
    expect(judge(noAlter, "SELECT 1")).toEqual({ kind: "allow" });
  });

  it("a DENY of DELETE, UPDATE or INSERT also refuses a MERGE that runs one", () => {
    const merge = "MERGE INTO orders t USING src s ON t.id = s.id";
    for (const [kind, action] of [
      ["DELETE", "WHEN MATCHED THEN DELETE"],
      ["UPDATE", "WHEN MATCHED THEN UPDATE SET total = 0"],
      ["INSERT", "WHEN NOT MATCHED THEN INSERT VALUES (1)"],
    ] as const) {
      const p = policy([rule(`no-${kind}`, "STATEMENT_KIND", { kinds: [kind] })]);
      expect(judge(p, `${merge} ${action}`)).toMatchObject({
        kind: "deny",
        message: `blocked by guardrail "no-${kind}" on connection shop: ${kind} is not allowed (inside MERGE)`,
      });
      expect(judge(p, `${merge} WHEN MATCHED THEN DO NOTHING`)).toEqual({ kind: "allow" });
    }
  });

  it("review rules match families and MERGE actions too", () => {
    const reviews: ReviewRule[] = [
      { name: "ddl", match: ZReviewMatch.parse({ kinds: ["create"] }), reviewerGroups: ["dba"] },
      { name: "deletes", match: ZReviewMatch.parse({ kinds: ["DELETE"] }), reviewerGroups: ["ops"] },
    ];
    const p = policy([], reviews);
    expect(judge(p, "CREATE INDEX i ON orders (id)")).toMatchObject({ kind: "review", rule: "ddl" });
    expect(judge(p, "CREATE TABLE t AS SELECT 1")).toMatchObject({ kind: "review", rule: "ddl" });
    expect(judge(p, "MERGE INTO orders t USING src s ON t.id = s.id WHEN MATCHED THEN DELETE")).toMatchObject(
      { kind: "review", rule: "deletes", reviewerGroups: ["ops"] },
    );
  });

  it("ALLOW names exact kinds: it relaxes a default for no more than it says", () => {
    const exact = policy([rule("may-create-fn", "STATEMENT_KIND", { kinds: ["create function"] }, "ALLOW")]);
    expect(judge(exact, "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'")).toEqual({
      kind: "allow",
    });
    expect(judge(exact, "CREATE EXTENSION dblink")).toMatchObject({ rule: "sluice:privilege-change" });
    expect(() => rule("may-create", "STATEMENT_KIND", { kinds: ["CREATE"] }, "ALLOW")).toThrow(
      /CREATE is a family of kinds; an ALLOW rule names exact kinds/,
    );
  });
});

describe("a rule that could never fire is refused", () => {
  it.each([["ALTR"], ["ALTERDATABASE"], ["DELETE FROM"], [""]])("kind %j", (kind) => {
    expect(() => rule("r", "STATEMENT_KIND", { kinds: [kind] })).toThrow(/not a statement kind/);
    expect(ZReviewMatch.safeParse({ kinds: [kind] }).success).toBe(false);
  });

  it("a DENY or review of a kind only an ALLOW can name", () => {
    expect(() => rule("r", "STATEMENT_KIND", { kinds: ["COPY PROGRAM"] })).toThrow(/only relaxes/);
    expect(ZReviewMatch.safeParse({ kinds: ["copy file"] }).success).toBe(false);
    expect(rule("r", "STATEMENT_KIND", { kinds: ["COPY PROGRAM"] }, "ALLOW").match).toEqual({
      kinds: ["COPY PROGRAM"],
    });
  });
});

describe("MISSING_WHERE", () => {
  const p = policy([rule("scoped-writes", "MISSING_WHERE", { kinds: ["DELETE", "UPDATE"] })]);

  it.each([
    [
      "MERGE INTO orders t USING (SELECT 1) s ON true WHEN MATCHED THEN DELETE",
      "DELETE on public.orders (MERGE",
    ],
    [
      "MERGE INTO orders t USING src s ON t.id = s.id WHEN NOT MATCHED BY SOURCE THEN UPDATE SET total = 0",
      "UPDATE on public.orders (MERGE … WHEN NOT MATCHED BY SOURCE",
    ],
    [
      "DELETE FROM orders WHERE true",
      "DELETE on public.orders has a WHERE clause that does not limit its rows",
    ],
    ["UPDATE orders SET total = 0 WHERE 1 = 1", "UPDATE on public.orders has a WHERE clause"],
    ["WITH d AS (DELETE FROM orders) SELECT 1", "DELETE on public.orders has no WHERE clause"],
    ["EXPLAIN ANALYZE DELETE FROM orders", "DELETE on public.orders has no WHERE clause"],
  ])("refuses %s", (sql, says) => {
    const verdict = judge(p, sql);
    expect(verdict).toMatchObject({ kind: "deny", rule: "scoped-writes" });
    expect(verdict.kind === "deny" && verdict.message).toContain(says);
  });

  it("refuses EXECUTE of a prepared unscoped DELETE once the rule exists", () => {
    const state = new PolicySessionState("app");
    expect(judge(policy([]), "PREPARE wipe AS DELETE FROM orders WHERE true", state)).toEqual({
      kind: "allow",
    });
    expect(judge(p, "EXECUTE wipe", state)).toMatchObject({ kind: "deny", rule: "scoped-writes" });
  });

  it("allows writes limited by the target's columns", () => {
    expect(judge(p, "DELETE FROM orders WHERE id = 1")).toEqual({ kind: "allow" });
    expect(judge(p, "MERGE INTO orders t USING src s ON t.id = s.id WHEN MATCHED THEN DELETE")).toEqual({
      kind: "allow",
    });
  });
});
