import type { ConnectionPolicy, GuardrailRule } from "@sluice/policy/rules";
import { parseGuardrail } from "@sluice/policy/rules";
import { loadParser, parseStatements } from "@sluice/sql/parser";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluate } from "../src/engine";
import { PolicySessionState } from "../src/session-state";

beforeAll(() => loadParser());

const rule = (name: string, kind: string, match: unknown, effect = "DENY", message?: string): GuardrailRule =>
  parseGuardrail({ name, kind, effect, match, message: message ?? null });

function policy(guardrails: GuardrailRule[], extra: Partial<ConnectionPolicy> = {}): ConnectionPolicy {
  return { connectionName: "shop", isReadOnly: false, guardrails, reviews: [], ...extra };
}

function judge(p: ConnectionPolicy, sql: string, state = new PolicySessionState("app")) {
  const parsed = parseStatements(sql);
  state.absorbPathChanges(parsed);
  const verdict = evaluate(p, parsed, state);
  if (verdict.kind === "allow") state.afterAllowed(parsed);
  return verdict;
}

describe("policy engine", () => {
  it("allows what no rule or default refuses", () => {
    expect(judge(policy([]), "SELECT * FROM orders WHERE id = 1")).toEqual({ kind: "allow" });
  });

  it("says which rule refused what, and why, with the rule's advice as a hint", () => {
    const p = policy([
      rule("no-unscoped-delete", "MISSING_WHERE", { kinds: ["DELETE"] }, "DENY", "add a WHERE clause"),
    ]);
    expect(judge(p, "DELETE FROM orders")).toEqual({
      kind: "deny",
      rule: "no-unscoped-delete",
      message:
        'blocked by guardrail "no-unscoped-delete" on connection shop: DELETE on public.orders has no WHERE clause',
      hint: "add a WHERE clause",
    });
  });

  it("refuses the whole message when any statement in it is refused", () => {
    const p = policy([rule("no-drop", "STATEMENT_KIND", { kinds: ["DROP"] })]);
    expect(judge(p, "SELECT 1; DROP TABLE t").kind).toBe("deny");
    expect(judge(policy([rule("one-at-a-time", "MULTI_STATEMENT", {})]), "SELECT 1; SELECT 2")).toMatchObject(
      {
        rule: "one-at-a-time",
      },
    );
  });

  it("fails closed on what it cannot parse or see into, and lets a named ALLOW rule relax a default", () => {
    expect(judge(policy([]), "SELEC 1")).toMatchObject({ rule: "sluice:parse-error" });
    expect(judge(policy([]), "DO $$ BEGIN NULL; END $$")).toMatchObject({ rule: "sluice:hidden-sql" });
    expect(judge(policy([]), "SELECT dblink('x', 'y')")).toMatchObject({ rule: "sluice:hidden-sql" });
    const relaxed = policy([rule("allow-lo-get", "FUNCTION", { functions: ["lo_get"] }, "ALLOW")]);
    expect(judge(policy([]), "SELECT lo_get(1)")).toMatchObject({ rule: "sluice:server-files" });
    expect(judge(relaxed, "SELECT lo_get(1)")).toEqual({ kind: "allow" });
    // A relaxation covers only what it names.
    expect(judge(relaxed, "SELECT lo_export(1, '/tmp/x')")).toMatchObject({ rule: "sluice:server-files" });
  });

  it("matches unqualified names against every schema the session's search_path has held", () => {
    const p = policy([rule("no-hr", "TABLE", { tables: ["hr.salaries"] })]);
    const state = new PolicySessionState("app");
    expect(judge(p, "SELECT * FROM salaries", state)).toEqual({ kind: "allow" });
    expect(judge(p, "SET search_path = hr, public", state)).toEqual({ kind: "allow" });
    expect(judge(p, "SELECT * FROM salaries", state)).toMatchObject({ rule: "no-hr" });
    // Setting the path back does not forget that hr was on it: the union is the conservative reading.
    expect(judge(p, "SET search_path = public", state)).toEqual({ kind: "allow" });
    expect(judge(p, "SELECT * FROM salaries", state)).toMatchObject({ rule: "no-hr" });
  });

  it("keeps a table allow-list: everything touched must be on it", () => {
    const p = policy([
      rule("shop-tables", "TABLE", { tables: ["public.orders", "public.products"] }, "ALLOW"),
    ]);
    expect(judge(p, "SELECT * FROM orders JOIN products USING (id)")).toEqual({ kind: "allow" });
    expect(judge(p, "SELECT * FROM orders, customers")).toMatchObject({ rule: "sluice:table-allow-list" });
  });

  it("turns review rules into review verdicts naming the reviewers", () => {
    const p = policy([], {
      reviews: [
        {
          name: "salary-reads",
          match: { columns: ["public.employees.salary"] },
          reviewerGroups: ["finance-leads"],
        },
      ],
    });
    expect(judge(p, "SELECT avg(salary) FROM employees")).toMatchObject({
      kind: "review",
      rule: "salary-reads",
      reviewerGroups: ["finance-leads"],
    });
    expect(judge(p, "SELECT first_name FROM employees")).toEqual({ kind: "allow" });
  });

  it("judges EXECUTE by what was PREPAREd, against the policy of the moment", () => {
    const state = new PolicySessionState("app");
    expect(judge(policy([]), "PREPARE p AS SELECT * FROM secrets", state)).toEqual({ kind: "allow" });
    expect(judge(policy([]), "EXECUTE p", state)).toEqual({ kind: "allow" });
    expect(
      judge(policy([rule("no-secrets", "TABLE", { tables: ["secrets"] })]), "EXECUTE p", state),
    ).toMatchObject({
      rule: "no-secrets",
    });
    expect(judge(policy([]), "EXECUTE other", state)).toMatchObject({ rule: "sluice:unknown-prepared" });
  });

  it("refuses invalid rules instead of skipping them", () => {
    expect(() => rule("bad", "TABLE", { tables: [] })).toThrow(/guardrail "bad": tables/);
    expect(() => rule("bad", "NOPE", {})).toThrow(/unknown kind NOPE/);
  });
});
