import { selectorTouchesTable } from "@sluice/masking/selector";
import { type RelationCatalog, resolveLineage } from "@sluice/sql/column-lineage";
import type { StatementFacts } from "@sluice/sql/facts";
import { mayHoldMasked } from "./column-catalog";
import type { FunctionClass } from "./function-class";
import { FUNCTION_CLASSES } from "./generated/function-classes";
import { candidateNames } from "./patterns";
import type { ConnectionPolicy } from "./rules";

/**
 * What masking needs to know of an allowed statement, and the ways it could carry masked values
 * where masking cannot follow: the masked tables it reads, which outputs are provably clean, a
 * masked column used as an oracle (strict mode), and copies into other tables, notifications,
 * settings or COPY output. Every column is resolved by catalog identity (see column-lineage).
 */

/**
 * For a single SELECT: which outputs read no masked column, each reference resolved to the table
 * column the server reads (see column-lineage). An output Sluice cannot follow is not clean.
 */
export function provablyCleanOutputs(
  selectors: readonly string[],
  statements: StatementFacts[],
  columns: RelationCatalog,
): boolean[] | null {
  const [facts] = statements;
  if (statements.length !== 1 || !facts) return null;
  const outputs = resolveLineage(facts, columns).outputs;
  const matching = selectorsFor(facts, selectors);
  return outputs ? outputs.map((sources) => !mayHoldMasked(sources, matching)) : null;
}

/** Clauses where a masked column reveals its values without being read: predicates and their kin. */
export const ORACLE_CLAUSES: Record<string, string> = {
  where: "WHERE",
  join: "a JOIN condition",
  group: "GROUP BY",
  distinct: "DISTINCT",
  having: "HAVING",
  order: "ORDER BY",
  window: "a window",
  aggregate: "an aggregate",
};

/** Strict mode: a masked column used where its value can be inferred (an exact predicate on an SSN). */
export function maskedColumnAsOracle(
  selectors: readonly string[],
  statements: StatementFacts[],
  columns: RelationCatalog,
): string | null {
  for (const facts of statements) {
    const { references } = resolveLineage(facts, columns);
    const matching = selectorsFor(facts, selectors);
    for (const [clause, label] of Object.entries(ORACLE_CLAUSES)) {
      const hit = references.find((ref) => ref.clause === clause && mayHoldMasked(ref.sources, matching));
      if (!hit) continue;
      return hit.sources.isUnknown
        ? `${hit.text} cannot be traced to a column that is not masked, and using it in ${label} could reveal masked values`
        : `${hit.text} is masked, and using it in ${label} would reveal its values`;
    }
  }
  return null;
}

/**
 * Function classes whose calls keep or send their arguments where a later statement, or another
 * session, reads them back with no column origin: a setting (`current_setting`), a notification,
 * a sequence (`setval`, then `nextval` or `pg_sequences`), an advisory lock's key (`pg_locks`).
 * Decided by the classification of every built-in, not by a list of names.
 */
const STORING_CLASSES: ReadonlySet<FunctionClass> = new Set([
  "settings",
  "notify",
  "writes",
  "sleep-and-locks",
]);

/** Does this call store its arguments where masking cannot follow? Unqualified: the built-in (user code is refused). */
function storesArguments(call: { schema: string | null; name: string }): boolean {
  const cls = FUNCTION_CLASSES[call.schema ?? "pg_catalog"]?.[call.name];
  return cls !== undefined && STORING_CLASSES.has(cls);
}

/**
 * Ways a statement that touches masked tables could move their values where masking cannot follow:
 * into another table (read back later in clear), into a notification, a setting, a sequence or a lock
 * key. Returns why, or null.
 */
export function maskedDataLeak(
  selectors: readonly string[],
  statements: StatementFacts[],
  maskedTables: readonly string[],
  columns: RelationCatalog,
): string | null {
  // Every reference as the server resolves it: `c.to_jsonb` in a SET is the whole masked row.
  const mentionsMasked = (facts: StatementFacts) => {
    const matching = selectorsFor(facts, selectors);
    return resolveLineage(facts, columns).references.some((ref) => mayHoldMasked(ref.sources, matching));
  };
  for (const facts of statements) {
    if (facts.kinds.includes("COPY")) {
      // COPY output carries no column origins, so its values cannot be masked safely yet.
      return `COPY of ${maskedTables[0]} would bypass masking; SELECT the rows instead`;
    }
    const storing = facts.functionCalls.find(storesArguments);
    if (facts.kinds.includes("NOTIFY") || storing) {
      const by = storing ? `${storing.name}()` : "NOTIFY";
      return `${facts.kind} would send values by ${by} (a notification, a setting, a sequence or a lock key), which masking cannot follow, while it reads masked tables`;
    }
    if (facts.tablesWritten.length > 0 && (facts.tablesRead.length > 0 || mentionsMasked(facts))) {
      return `${facts.kind} would copy values of masked tables into ${facts.tablesWritten[0]?.name}, where they could be read back in clear`;
    }
  }
  return null;
}

/**
 * The selectors as the statement's server matches column names: MySQL folds a column name's case
 * (`EMAIL` reads `email`), and its lineage gives names lower-cased, so a selector's column is too.
 */
function selectorsFor(facts: StatementFacts, selectors: readonly string[]): readonly string[] {
  if (facts.dialect !== "mysql") return selectors;
  return selectors.map((selector) => {
    const at = selector.lastIndexOf(".");
    return `${selector.slice(0, at + 1)}${selector.slice(at + 1).toLowerCase()}`;
  });
}

/** Content-detector rules apply to this agent (its exemptions removed). */
export function hasContentRules(policy: ConnectionPolicy, groups: readonly string[]): boolean {
  return (policy.masking ?? []).some(
    (rule) => rule.detector !== null && !rule.exemptGroups.some((group) => groups.includes(group)),
  );
}

/** COPY output is not searched by content detectors: a COPY that reads is refused while they apply. */
export function unscannedCopy(statements: StatementFacts[]): string | null {
  const copy = statements.find((facts) => facts.kinds.includes("COPY") && facts.tablesWritten.length === 0);
  return copy
    ? "COPY output is not searched by the connection's content detectors; SELECT the rows instead"
    : null;
}

export function applicableSelectors(policy: ConnectionPolicy, groups: readonly string[]): string[] {
  return (policy.masking ?? [])
    .filter((rule) => rule.selector !== null && !rule.exemptGroups.some((group) => groups.includes(group)))
    .map((rule) => rule.selector as string);
}

/** Tables the statements touch that an applicable masking rule covers. */
export function maskedTablesRead(
  selectors: readonly string[],
  statements: StatementFacts[],
  searchPath: readonly string[],
): string[] {
  if (selectors.length === 0) return [];
  const hits = new Set<string>();
  for (const facts of statements) {
    for (const table of [...facts.tablesRead, ...facts.tablesWritten]) {
      for (const name of candidateNames(table, searchPath)) {
        const at = name.lastIndexOf(".");
        const [schema, relation] = [name.slice(0, at), name.slice(at + 1)];
        if (selectors.some((selector) => selectorTouchesTable(selector, schema, relation))) hits.add(name);
      }
    }
  }
  return [...hits];
}
