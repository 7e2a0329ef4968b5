// The engine's checks of a connection's own rules: guardrails, the table allow list, review matches.

import { guardrailHint } from "@sluice/agent-guidance/agent-guidance";
import { type ColumnSource, resolveLineage } from "@sluice/sql/column-lineage";
import type { StatementFacts, TableRef } from "@sluice/sql/facts";
import { kindCovers } from "@sluice/sql/statement-kinds";
import { namesOnlyCatalog } from "./column-catalog";
import { familyNamesFor, type PolicyVerdict, type SessionContext } from "./engine";
import { builtin } from "./engine-defaults";
import { isComputedFrom, writesInto } from "./generated-columns";
import { isOwnerCodeCallAllowed } from "./mysql-owner-code-calls";
import { ownerCodeWriteReach } from "./owner-code";
import { matchesFunctionPattern, matchesTablePattern } from "./patterns";
import { readReach } from "./read-reach";
import type { ConnectionPolicy, GuardrailRule, ReviewRule } from "./rules";
import { type ViewReach, viewReach } from "./view-reads";
import { writeReach } from "./write-reach";

export function checkGuardrails(
  policy: ConnectionPolicy,
  facts: StatementFacts,
  session: SessionContext,
): PolicyVerdict | null {
  for (const rule of policy.guardrails) {
    if (rule.effect !== "DENY") continue;
    const what = guardrailHit(policy, rule, facts, session);
    if (what) return denied(policy, rule, what);
  }
  return null;
}

/** Why a DENY rule matches this statement, or null when it does not. */
function guardrailHit(
  policy: ConnectionPolicy,
  rule: GuardrailRule,
  facts: StatementFacts,
  session: SessionContext,
): string | null {
  switch (rule.kind) {
    case "STATEMENT_KIND": {
      const kind = facts.kinds.find((k) => rule.match.kinds.some((wanted) => kindCovers(wanted, k)));
      return kind ? `${kind} is not allowed${kind === facts.kind ? "" : ` (inside ${facts.kind})`}` : null;
    }
    case "TABLE": {
      const tables = [
        ...(rule.match.access !== "write" ? facts.tablesRead : []),
        ...(rule.match.access !== "read" ? facts.tablesWritten : []),
      ];
      const isCovered = (name: string) => rule.match.tables.some((p) => matchesTablePattern(name, p));
      for (const table of tables) {
        const hit = familyNamesFor(table, session).find(isCovered);
        if (hit) return `${describe(facts)} touches ${hit}`;
      }
      const readThrough = rule.match.access !== "write" ? readReach(facts, session, isCovered) : null;
      if (readThrough) return readThrough;
      if (rule.match.access === "read") return null;
      return (
        writeReach(facts, session, isCovered, (call) => isOwnerCodeCallAllowed(policy, call)) ??
        ownerCodeWriteReach(policy, facts, session.upstreamCode)
      );
    }
    case "COLUMN": {
      for (const pattern of rule.match.columns) {
        const match = columnPatternMatch(pattern, facts, session);
        if (match) return `${describe(facts)} uses column ${pattern}${match.why ? ` (${match.why})` : ""}`;
      }
      return null;
    }
    case "FUNCTION": {
      const hit = facts.functions.find((name) =>
        rule.match.functions.some((p) => matchesFunctionPattern(name, p)),
      );
      return hit ? `${hit}() is not allowed` : null;
    }
    case "MISSING_WHERE": {
      const hit = facts.unscopedWrites.find((write) => rule.match.kinds.includes(write.kind));
      if (!hit) return null;
      const table =
        hit.table.schema === null ? resolveForDisplay(hit.table, session) : formatTable(hit.table);
      return `${hit.kind} on ${table} ${hit.reason ?? "has no WHERE clause"}`;
    }
    case "SETTING": {
      const hit = facts.settings.find((setting) =>
        rule.match.settings.some((p) => p === "*" || p.toLowerCase() === setting.name),
      );
      return hit ? `changing ${hit.name} is not allowed` : null;
    }
    default:
      return null;
  }
}

export function checkTableAllowList(
  policy: ConnectionPolicy,
  facts: StatementFacts,
  session: SessionContext,
): PolicyVerdict | null {
  const allowList = policy.guardrails.filter((rule) => rule.kind === "TABLE" && rule.effect === "ALLOW");
  if (allowList.length === 0) return null;
  for (const table of [...facts.tablesRead, ...facts.tablesWritten]) {
    const resolved = table.schema === null ? session.resolved?.get(table.name) : undefined;
    const names =
      table.schema !== null
        ? [`${table.schema}.${table.name}`]
        : resolved !== undefined
          ? [`${resolved}.${table.name}`]
          : session.searchPath
              .filter((s) => !session.implicitSchemas.has(s))
              .map((s) => `${s}.${table.name}`);
    const isAllowed = names.every((name) =>
      allowList.some(
        (rule) => rule.kind === "TABLE" && rule.match.tables.some((p) => matchesTablePattern(name, p)),
      ),
    );
    if (!isAllowed) {
      return builtin(
        policy,
        "sluice:table-allow-list",
        `${formatTable(table)} is not on the connection's table allow-list`,
      );
    }
  }
  return null;
}

/**
 * Whether a review rule matches the statement (null: it does not); `why` is set when a column it
 * names was reached only through a view Sluice cannot trace, so the verdict can say so.
 */
export function reviewMatch(
  rule: ReviewRule,
  facts: StatementFacts,
  session: SessionContext,
): ViewReach | null {
  const { kinds, tables, columns } = rule.match;
  if (!(kinds || tables || columns)) return null;
  if (kinds && !facts.kinds.some((kind) => kinds.some((k) => kindCovers(k, kind)))) return null;
  if (tables) {
    const touched = touchedNames(facts, session);
    if (!touched.some((name) => tables.some((p) => matchesTablePattern(name, p)))) return null;
  }
  if (!columns) return { why: null };
  for (const pattern of columns) {
    const match = columnPatternMatch(pattern, facts, session);
    if (match) return match;
  }
  return null;
}

/**
 * `schema.table.column`: the table is touched and the column is reached — read by any reference
 * as the server resolves it (alias lists, attribute notation, whole rows, subqueries, `*`) or
 * assigned by a write. A reference Sluice cannot follow reaches it. A generated column computed
 * from the column (through any chain, or by code nobody can read) is the column under another
 * name: reading it reaches the column, and writing the column's inputs writes it. A view whose
 * query reads the column (through views over views, or by code nobody can read) reaches it, read
 * or written through; a view Sluice cannot trace reaches every column, and `why` says so.
 */
function columnPatternMatch(
  pattern: string,
  facts: StatementFacts,
  session: SessionContext,
): ViewReach | null {
  const at = pattern.lastIndexOf(".");
  const tablePattern = at > 0 ? pattern.slice(0, at) : "*";
  const column = at > 0 ? pattern.slice(at + 1) : pattern;
  const touched = touchedNames(facts, session);
  // Most statements touch no view and no relation the pattern names: they are answered before the
  // matchers below are built (closures made per call cost more than the checks on a decision's
  // never-seen path, bench/decision-time.ts).
  if (session.viewReads) {
    // Without the catalog any relation may be a view over the column's table (a plain table is not
    // proven): the first one the statement names stands for them all, as it was written.
    const unknownBecause = session.viewReads.unknownBecause;
    const first = facts.tablesRead[0] ?? facts.tablesWritten[0];
    if (unknownBecause !== undefined && first) {
      return { why: `${formatTable(first)} may be a view reading any column: ${unknownBecause}` };
    }
    const { reads } = sourceMatchers(tablePattern, column, session);
    // A view's output columns are not told apart: one whose query reads the column reaches it.
    for (const name of touched) {
      const reached = viewReach(session.viewReads, name, reads);
      if (reached) return reached;
    }
  }
  if (!touched.some((name) => matchesTablePattern(name, tablePattern))) return null;
  const { reads, writes } = sourceMatchers(tablePattern, column, session);
  const lineage = resolveLineage(facts, session.columns ?? namesOnlyCatalog(session));
  const isReached =
    lineage.references.some((ref) => ref.sources.isUnknown || ref.sources.columns.some(reads)) ||
    lineage.targets.some(writes);
  return isReached ? { why: null } : null;
}

/** Every name the relations a statement reads or writes may stand for. */
function touchedNames(facts: StatementFacts, session: SessionContext): string[] {
  const names: string[] = [];
  for (const table of facts.tablesRead) names.push(...familyNamesFor(table, session));
  for (const table of facts.tablesWritten) names.push(...familyNamesFor(table, session));
  return names;
}

/** Whether a source read, or a target written, reaches `tablePattern`'s `column`. */
function sourceMatchers(
  tablePattern: string,
  column: string,
  session: SessionContext,
): { reads: (source: ColumnSource) => boolean; writes: (target: ColumnSource) => boolean } {
  const isColumn = (name: string) =>
    session.generated?.isCaseFolded ? name.toLowerCase() === column.toLowerCase() : name === column;
  // An inheriting child's or a partition's column of the same name is the column too (its rows are
  // rows of its parent, and the other way round), as masking has it.
  const isOnTable = (source: ColumnSource) => {
    const name = `${source.schema}.${source.table}`;
    return [name, ...(session.families?.get(name) ?? [])].some((relation) =>
      matchesTablePattern(relation, tablePattern),
    );
  };
  const reads = (source: ColumnSource) =>
    isOnTable(source) &&
    (column === "*" ||
      source.column === null ||
      isColumn(source.column) ||
      isComputedFrom(session.generated, { ...source, column: source.column }, isColumn));
  const writes = (target: ColumnSource) =>
    isOnTable(target) &&
    (column === "*" ||
      target.column === null ||
      isColumn(target.column) ||
      writesInto(session.generated, { ...target, column: target.column }, isColumn));
  return { reads, writes };
}

export function denied(policy: ConnectionPolicy, rule: GuardrailRule, what: string): PolicyVerdict {
  return {
    kind: "deny",
    rule: rule.name,
    message: `blocked by guardrail "${rule.name}" on connection ${policy.connectionName}: ${what}`,
    // The admin's own words when they wrote some; otherwise how to get past it without them.
    hint: rule.message || guardrailHint(policy.connectionName),
  };
}

export function describe(facts: StatementFacts): string {
  return facts.kind;
}

export function formatTable(table: TableRef): string {
  return table.schema ? `${table.schema}.${table.name}` : table.name;
}

/** An unqualified name shown the way the server resolves it, or else most likely does (public, where tables usually live). */
function resolveForDisplay(table: TableRef, session: SessionContext): string {
  const schema =
    session.resolved?.get(table.name) ??
    (session.searchPath.includes("public") ? "public" : (session.searchPath[0] ?? "public"));
  return `${schema}.${table.name}`;
}
