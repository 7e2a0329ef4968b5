import type { StatementFacts } from "@sluice/sql/facts";
import { familyNamesFor, type PolicyVerdict, type SessionContext } from "./engine";
import { reviewMatch } from "./engine-rules";
import type { ConnectionPolicy } from "./rules";
import type { Verdict } from "./verdict";
import type { ViewReads } from "./view-reads";

type Allowed = Extract<Verdict, { kind: "allow" }>;

/**
 * What a reviewer's approval of a statement is for, as one string: every review rule it matches
 * (with their reviewers), the masking it runs under, and what each relation it names is in the
 * catalog it was judged by (a table, or a view and everything that view reads, through views over
 * views; an inheritance family). A statement approved while `t` was a table and run after another
 * connection made `t` a view over `salary` (`bypass-approved-relation-swap.int.test.ts`) means
 * something else: judged again under the newer catalog, it runs on the approval only when this is
 * unchanged; otherwise it is judged as a new statement (refused, reviewed again, or allowed).
 */
export function approvalBasis(
  policy: ConnectionPolicy,
  statements: readonly StatementFacts[],
  session: SessionContext,
  judged: Extract<PolicyVerdict, { kind: "review" }>,
  allowed: Allowed,
): string {
  const rules = policy.reviews
    .filter((rule) => statements.some((facts) => reviewMatch(rule, facts, session) !== null))
    .map((rule) => [rule.name, [...rule.reviewerGroups].sort()]);
  const names = [
    ...new Set(
      statements.flatMap((facts) =>
        [...facts.tablesRead, ...facts.tablesWritten].flatMap((table) => familyNamesFor(table, session)),
      ),
    ),
  ].sort();
  return JSON.stringify({
    rule: judged.rule,
    rules,
    relations: names.map((name) => [name, viewSources(session.viewReads, name)]),
    masking: [
      allowed.maskedTables ?? [],
      allowed.relations ?? [],
      allowed.cleanOutputs ?? null,
      allowed.mayRunUnjudgedCode === true,
      allowed.readsNoRows === true,
    ],
  });
}

/**
 * Everything reading `name` reaches through views, sorted: [] for a relation no view entry names
 * (a table), "opaque" where a view cannot be traced, "unknown" without a catalog.
 */
function viewSources(viewReads: ViewReads | undefined, name: string): string[] | string {
  if (!viewReads) return [];
  if (viewReads.unknownBecause !== undefined) return "unknown";
  const key = (relation: string) => (viewReads.isCaseFolded ? relation.toLowerCase() : relation);
  const reached = new Set<string>();
  const seen = new Set<string>();
  const pending = [key(name)];
  while (pending.length > 0) {
    const at = pending.pop() as string;
    if (seen.has(at)) continue;
    seen.add(at);
    const reads = viewReads.get(at);
    if (reads === undefined) continue;
    if (!Array.isArray(reads)) return "opaque";
    for (const source of reads) {
      reached.add(`${source.schema}.${source.table}.${source.column ?? "*"}`);
      pending.push(key(`${source.schema}.${source.table}`));
    }
  }
  return [...reached].sort();
}
