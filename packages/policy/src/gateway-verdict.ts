import type { PolicyVerdict } from "./engine";
import type { FactsCache } from "./facts-cache";
import type { Verdict } from "./verdict";

/** What a reviewer is shown a statement touches: kinds, tables and columns. */
export type StatementTouches = { kinds: string[]; tables: string[]; columns: string[] };

/** An allow that holds for the catalog as it is now: a prepared statement is judged again per run. */
export function perRun(verdict: Verdict): Verdict {
  return verdict.kind === "allow" ? { ...verdict, isJudgedPerRun: true } : verdict;
}

/** What a reviewer is shown a statement touches. */
export function touchesOf(parsed: ReturnType<FactsCache["parse"]>): StatementTouches {
  if (!parsed.ok) return { kinds: [], tables: [], columns: [] };
  const name = (table: { schema: string | null; name: string }) =>
    table.schema ? `${table.schema}.${table.name}` : table.name;
  const unique = (values: string[]) => [...new Set(values)];
  return {
    kinds: unique(parsed.statements.flatMap((facts) => facts.kinds)),
    tables: unique(
      parsed.statements.flatMap((facts) => [...facts.tablesRead, ...facts.tablesWritten].map(name)),
    ),
    columns: unique(parsed.statements.flatMap((facts) => facts.columns)),
  };
}

/**
 * What PostgreSQL's parser rejects is answered as the server answers it (42601, its message and
 * position, no hint), so clients and agents read an ordinary syntax error; the gateway has the
 * server itself answer where it can (see the session's syntax-error probe).
 */
export function syntaxError(
  judged: Extract<PolicyVerdict, { kind: "deny" }>,
  parsed: Extract<ReturnType<FactsCache["parse"]>, { ok: false }>,
): Verdict {
  return {
    kind: "deny",
    rule: judged.rule,
    message: parsed.error,
    code: "42601",
    // libpg-query counts from 0; the server's Position counts characters from 1.
    ...(parsed.position === null ? {} : { position: parsed.position + 1 }),
  };
}

/** The engine's verdict as the gateway acts on it; a review with no broker to hold it is refused. */
export function toGatewayVerdict(verdict: PolicyVerdict): Verdict {
  switch (verdict.kind) {
    case "allow":
      return verdict;
    case "deny":
      return verdict.hint
        ? { kind: "deny", rule: verdict.rule, message: verdict.message, hint: verdict.hint }
        : { kind: "deny", rule: verdict.rule, message: verdict.message };
    case "review":
      return {
        kind: "deny",
        rule: verdict.rule,
        message: `${verdict.message}; this gateway cannot hold statements for approval yet, so it was refused`,
      };
  }
}
