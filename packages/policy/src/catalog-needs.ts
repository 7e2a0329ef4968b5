// When a statement's judgement needs the upstream's catalog, read again or checked first.

import type { StatementFacts } from "@sluice/sql/facts";
import {
  type CatalogSnapshot,
  isKnownRelation,
  isPgCatalogFirst,
  isServersOwnRelation,
} from "./column-catalog";
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

/** Rules that follow a write through views into the relations under them: DENY TABLE rules on writes (see write-reach). */
export function followsWrites(policy: ConnectionPolicy): boolean {
  return policy.guardrails.some(
    (rule) => rule.kind === "TABLE" && rule.effect === "DENY" && rule.match.access !== "read",
  );
}

/** Rules that follow a write through views (`followsWrites`), for a statement that writes. */
export function followsWrittenViews(
  policy: ConnectionPolicy,
  statements: readonly StatementFacts[],
): boolean {
  return followsWrites(policy) && statements.some((facts) => facts.tablesWritten.length > 0);
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
 * pg_catalog's statistics relations: not system relations (they hold values), but left out of the
 * catalog read too, so reading it again would never find them. Only these names: a user's own
 * `public.pg_stat_x` is a relation like any other.
 */
const STATISTICS_RELATIONS = new Set([
  "pg_statistic",
  "pg_statistic_ext",
  "pg_statistic_ext_data",
  "pg_stats",
  "pg_stats_ext",
  "pg_stats_ext_exprs",
]);

/**
 * A relation the statements read (or, with "write", write) that the snapshot does not hold (system
 * relations aside): one created since the read would be taken for what it is not. A read of a temp
 * table of this session, or of a view over a denied table, would be masked whole or not followed;
 * a write through a view another session just made over a table a rule on writes covers would go
 * unseen (`bypass-write-through-fresh-view.int.test.ts`). Reads and writes are asked apart: a
 * write's lineage is judged by what it reads, and CREATE would always miss.
 */
export function namesUnknownRelation(
  statements: readonly StatementFacts[],
  snapshot: CatalogSnapshot,
  session: SessionContext,
  access: "read" | "write",
): boolean {
  return statements.some((facts) =>
    (access === "read" ? facts.tablesRead : facts.tablesWritten).some(
      (table) =>
        !isServersOwnRelation(table, snapshot, session) &&
        !(
          (table.schema === "pg_catalog" || (table.schema === null && isPgCatalogFirst(session))) &&
          STATISTICS_RELATIONS.has(table.name)
        ) &&
        !isKnownRelation(snapshot, table, session),
    ),
  );
}
