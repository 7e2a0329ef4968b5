import type { ConnectionPolicy, GuardrailRule } from "@sluice/policy/rules";
import { parseGuardrail } from "@sluice/policy/rules";
import type { Verdict } from "@sluice/policy/verdict";
import type { StatementFacts } from "@sluice/sql/facts";
import { loadParser, parseStatements } from "@sluice/sql/parser";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluate } from "../src/engine";
import { PolicySessionState } from "../src/session-state";
import { denialAfterPrefix, MAX_STATEMENTS_SPLIT } from "../src/statements-before-refusal";

beforeAll(() => loadParser());

const rule = (name: string, kind: string, match: unknown, effect = "DENY"): GuardrailRule =>
  parseGuardrail({ name, kind, effect, match, message: null });

function policy(guardrails: GuardrailRule[], reviews: ConnectionPolicy["reviews"] = []): ConnectionPolicy {
  return { connectionName: "shop", isReadOnly: false, guardrails, reviews };
}

/** The split of `sql` under `p`, with an allow that records which statements it was asked about. */
function split(p: ConnectionPolicy, sql: string) {
  const parsed = parseStatements(sql);
  if (!parsed.ok) throw new Error(parsed.error);
  const state = new PolicySessionState("app");
  const allowedKinds: string[][] = [];
  const denial = denialAfterPrefix(parsed.statements, {
    evaluate: (some: StatementFacts[]) => evaluate(p, { ok: true, statements: some }, state),
    allow: (before) => {
      allowedKinds.push(before.statements.map((facts) => facts.kind));
      return { kind: "allow", maskedTables: [] } satisfies Verdict;
    },
    deny: (denied) => ({ kind: "deny", rule: denied.rule, message: denied.message }),
  });
  return { denial, allowedKinds };
}

const NO_DROP = policy([rule("no-drop", "STATEMENT_KIND", { kinds: ["DROP"] })]);

describe("the statements of a refused message that run before the refusal", () => {
  it("are those before the first refused statement, ending where its text starts (in bytes)", () => {
    const sql = "SELECT 'é€'; INSERT INTO t VALUES (1); DROP TABLE t; SELECT 2";
    const { denial, allowedKinds } = split(NO_DROP, sql);
    const textBytes = Buffer.from(sql).indexOf("DROP");
    expect(denial).toMatchObject({ rule: "no-drop", runsFirst: { textBytes, allowed: { kind: "allow" } } });
    expect(allowedKinds).toEqual([["SELECT", "INSERT"]]);
  });

  it("start after comments and semicolons inside literals, dollar quotes and identifiers", () => {
    const sql = "SELECT ';' AS \"a;b\", $$;$$ /* ; */ ; -- ;\n DROP TABLE t";
    expect(split(NO_DROP, sql).denial?.runsFirst?.textBytes).toBe(sql.indexOf("DROP"));
  });

  it("are none when the first statement is refused, or when one before the refusal needs review", () => {
    expect(split(NO_DROP, "DROP TABLE t; SELECT 1").denial).toBeNull();
    const reviewed = policy([rule("no-drop", "STATEMENT_KIND", { kinds: ["DROP"] })], [
      { name: "deletes", match: { kinds: ["DELETE"] }, reviewerGroups: ["dba"] },
    ] as ConnectionPolicy["reviews"]);
    expect(split(reviewed, "SELECT 1; DELETE FROM t WHERE id = 1; DROP TABLE t").denial).toBeNull();
  });

  it("are none under a one-statement-per-message rule: it refuses the message, not a statement", () => {
    const oneAtATime = policy([rule("one-at-a-time", "MULTI_STATEMENT", {}), ...NO_DROP.guardrails]);
    expect(split(oneAtATime, "SELECT 1; SELECT 2; SELECT 3")).toEqual({ denial: null, allowedKinds: [] });
    expect(split(oneAtATime, "SELECT 1; DROP TABLE t").denial).toBeNull();
  });

  it("are none for a single statement or past the bound on statements split", () => {
    expect(split(NO_DROP, "DROP TABLE t").denial).toBeNull();
    const many = `${"SELECT 1;".repeat(MAX_STATEMENTS_SPLIT)} DROP TABLE t`;
    expect(split(NO_DROP, many).denial).toBeNull();
  });
});
