import type { ParsedStatements, StatementFacts } from "@sluice/sql/facts";
import type { PolicyVerdict } from "./engine";
import type { Verdict } from "./verdict";

type Denied = Extract<Verdict, { kind: "deny" }>;

/**
 * More statements than this in one refused message are refused whole: finding the refused one
 * judges every prefix (quadratic), and no client sends that many statements to be run one by one.
 */
export const MAX_STATEMENTS_SPLIT = 64;

export type PrefixJudges = {
  /** The engine's verdict on some statements of the message, in the session as it is. */
  evaluate: (statements: StatementFacts[]) => PolicyVerdict;
  /** The verdict (masking scope, masking refusals) for statements the engine allowed. */
  allow: (parsed: Extract<ParsedStatements, { ok: true }>, textBefore: number) => Verdict;
  /** The gateway's form of an engine refusal. */
  deny: (verdict: Extract<PolicyVerdict, { kind: "deny" }>) => Denied;
};

/**
 * A message of several statements is run by the server one statement after another until one
 * fails; the rest are skipped. A refused statement is answered the same way: the statements before
 * it run (with their own masking scope), then the refusal. The refused statement is the first whose
 * prefix of the message the engine refuses. Returns null when everything is refused whole: the
 * first statement is refused, a statement before the refused one needs review (only the whole
 * message is ever put to a reviewer), the statements before it are refused as a group (masking),
 * or the refusal is of the message itself (a MULTI_STATEMENT rule: an admin who allows one
 * statement per message means none of a longer one runs).
 */
export function denialAfterPrefix(
  statements: readonly StatementFacts[],
  judges: PrefixJudges,
): Denied | null {
  if (statements.length < 2 || statements.length > MAX_STATEMENTS_SPLIT) return null;
  for (let refused = 1; refused < statements.length; refused += 1) {
    const through = judges.evaluate(statements.slice(0, refused + 1));
    if (through.kind === "allow") continue;
    if (through.kind === "review") return null;
    const before = statements.slice(0, refused);
    if (judges.evaluate(before).kind !== "allow") return null;
    // Not refused alone, or not by the same rule: what is refused is the message (one statement
    // per message), not this statement, so none of it may run.
    const alone = judges.evaluate(statements.slice(refused, refused + 1));
    if (alone.kind !== "deny" || alone.rule !== through.rule) return null;
    const textBefore = statements[refused]?.byteOffset;
    if (textBefore === undefined) return null;
    const allowed = judges.allow({ ok: true, statements: before }, textBefore);
    if (allowed.kind !== "allow") return null;
    return { ...judges.deny(through), runsFirst: { textBytes: textBefore, allowed } };
  }
  return null;
}
