// When a statement's judgement needs the upstream's catalog, read again or checked first.

import type { StatementFacts } from "@sluice/sql/facts";
import { type CatalogSnapshot, isKnownRelation, isSystemRelation } from "./column-catalog";
import type { SessionContext } from "./engine";
import type { ConnectionPolicy } from "./rules";

/** Kinds that name no relation, function or type: judged without the upstream's catalog. */
const CATALOG_FREE_KINDS = new Set([
  "SET",
  "SHOW",
  "RESET",
  "TRANSACTION",
  "BEGIN",
  "COMMIT",
  "ROLLBACK",
  "SAVEPOINT",
  "RELEASE",
  "DISCARD",
  "LISTEN",
  "UNLISTEN",
  "DEALLOCATE",
  "CLOSE",
  "SELECT",
]);

/**
 * Whether judging the statements needs the upstream's catalog: a session that only runs
 * `SELECT 1`, SET or BEGIN never waits for (or causes) a catalog read.
 */
export function needsCatalog(statements: readonly StatementFacts[]): boolean {
  return statements.some(
    (facts) =>
      facts.tablesRead.length > 0 ||
      facts.tablesWritten.length > 0 ||
      facts.functionCalls.length > 0 ||
      facts.functions.length > 0 ||
      facts.operators.length > 0 ||
      (facts.typeCasts?.length ?? 0) > 0 ||
      facts.kinds.some((kind) => !CATALOG_FREE_KINDS.has(kind)),
  );
}

/** Rules that follow columns: masking by column, review and guardrail rules that name columns. */
export function followsColumns(policy: ConnectionPolicy): boolean {
  return (
    (policy.masking ?? []).some((rule) => rule.selector !== null) ||
    policy.reviews.some((rule) => rule.match.columns !== undefined) ||
    policy.guardrails.some((rule) => rule.kind === "COLUMN")
  );
}

/**
 * Rules that follow a write through views into the relations under them: DENY TABLE rules on
 * writes (see write-reach), for a statement that writes.
 */
export function followsWrittenViews(
  policy: ConnectionPolicy,
  statements: readonly StatementFacts[],
): boolean {
  return (
    policy.guardrails.some(
      (rule) => rule.kind === "TABLE" && rule.effect === "DENY" && rule.match.access !== "read",
    ) && statements.some((facts) => facts.tablesWritten.length > 0)
  );
}

/**
 * Rules that follow a read through views into the relations under them: DENY TABLE rules on reads
 * (see read-reach), for a statement that reads.
 */
export function followsReadViews(policy: ConnectionPolicy, statements: readonly StatementFacts[]): boolean {
  return (
    policy.guardrails.some(
      (rule) => rule.kind === "TABLE" && rule.effect === "DENY" && rule.match.access !== "write",
    ) && statements.some((facts) => facts.tablesRead.length > 0)
  );
}

/**
 * A relation the statements read that the catalog does not hold (system relations aside). Only
 * reads count: a write's lineage is judged by what it reads, and CREATE would always miss.
 */
export function readsUnknownRelation(
  statements: StatementFacts[],
  snapshot: CatalogSnapshot,
  session: SessionContext,
): boolean {
  return statements.some((facts) =>
    facts.tablesRead.some(
      (table) =>
        !isSystemRelation(table) &&
        // Statistics are left out of the catalog read too: reading it again would not find them.
        !table.name.startsWith("pg_stat") &&
        !isKnownRelation(snapshot, table, session),
    ),
  );
}

/**
 * Whether a statement writes a relation the snapshot does not hold: a view another session made
 * since the read would be taken for a plain table, and the write through it to a table a rule on
 * writes covers would go unseen (`bypass-write-through-fresh-view.int.test.ts`).
 */
export function writesUnknownRelation(
  statements: StatementFacts[],
  snapshot: CatalogSnapshot,
  session: SessionContext,
): boolean {
  return statements.some((facts) =>
    facts.tablesWritten.some(
      (table) => !isSystemRelation(table) && !isKnownRelation(snapshot, table, session),
    ),
  );
}
