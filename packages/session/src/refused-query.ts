import type { Verdict } from "@sluice/policy/verdict";
import { queryTextBefore } from "./query-prefix";
import type { RefusalStandIn } from "./refusal-stand-in";
import { resultScope } from "./relay-verdicts";
import { EMPTY_SCOPE, type ResultScope } from "./result-scope";
import type { SyntaxErrorProbe } from "./syntax-error-probe";

/** SQLSTATE syntax_error: a verdict with it refused text the parser rejects. */
export const SYNTAX_ERROR = "42601";

/** What goes upstream for a refused simple Query, and how the server's answer reaches the client. */
export type RefusedQueryUpstream = {
  message: Buffer;
  /** The masking scope of what runs (the statements before the refused one), if anything does. */
  scope: ResultScope;
  probe?: SyntaxErrorProbe["answer"];
};

/**
 * A refused simple Query is answered as the server answers its own error there: text the parser
 * rejects is put to the server itself (its own ErrorResponse); a refusal after other statements
 * lets those run first, in the same implicit transaction, and fails where the refused one starts;
 * anything else is the bare stand-in, which fails before anything runs.
 */
export function upstreamForRefusedQuery(
  standIn: RefusalStandIn,
  verdict: Extract<Verdict, { kind: "deny" }>,
  raw: Buffer,
  sql: string,
): RefusedQueryUpstream {
  if (verdict.code === SYNTAX_ERROR) {
    const { message, probe } = standIn.syntaxProbe(sql);
    return { message, scope: EMPTY_SCOPE, probe: probe.answer };
  }
  const runsFirst = verdict.runsFirst;
  const before = runsFirst ? queryTextBefore(raw, sql, runsFirst.textBytes) : null;
  if (!runsFirst || !before) return { message: standIn.query(), scope: EMPTY_SCOPE };
  return { message: standIn.queryAfter(before), scope: resultScope(runsFirst.allowed) };
}
