import type { StatementFacts } from "@sluice/sql/facts";
import type { CatalogSnapshot } from "./column-catalog";
import { ANY_RELATION, mayRunUnseenDdl, relationsChangedBy } from "./uncommitted-relations";

/**
 * How fresh the upstream's code catalog (triggers, views, shadowing functions, casts) is when a
 * statement is judged against it. Code created or replaced after the catalog was read would run
 * unjudged, so:
 *   - by this session: a statement that may change code (DDL; DO and CALL, which run code the
 *     agent wrote or chose) makes the catalog stale for this session; the next statement judged with
 *     nothing in flight and no transaction open waits for a read that started after it. Until
 *     then (later statements of the same message or batch, or of its transaction, which another
 *     connection cannot see into) the session judges with the catalog uncertain: every statement
 *     holds what is pipelined behind it, and after a statement that may define functions,
 *     operators, casts or types, an unqualified built-in name is no longer proof of the built-in;
 *   - by anyone else (and by a trigger or a function allowed by name: the owner's code, which
 *     changes what it was written to change): a catalog older than CODE_REFRESH_AFTER_MS is read
 *     again behind the statement, and one older than CODE_MAX_AGE_MS before it. That bounds, not
 *     closes, the window for another connection's DDL (see docs/policy.md).
 */

/** An active connection keeps its code catalog about this fresh, read behind its statements. */
export const CODE_REFRESH_AFTER_MS = 2_000;
/** No statement is judged against a code catalog read longer ago than this: it waits for a new read. */
export const CODE_MAX_AGE_MS = 5_000;

/**
 * What a statement may have changed that the catalog as read does not show: `relations` (triggers,
 * rules, defaults, views, policies: what running a statement touches) or `routines` (what a name
 * in a statement calls: functions, operators, casts, types, schemas, extensions).
 */
export type CodeUncertainty = "relations" | "routines";

/** Names of relations changed kept per session before they count as every name. */
const MAX_CHANGED_RELATIONS = 1000;

/** Kinds that never create or change code in the upstream's catalog. */
const CODE_NEUTRAL_KINDS = new Set([
  "SELECT",
  "INSERT",
  "UPDATE",
  "DELETE",
  "MERGE",
  "COPY",
  "EXPLAIN",
  "TRUNCATE",
  "LOCK",
  "TRANSACTION",
  "BEGIN",
  "COMMIT",
  "ROLLBACK",
  "SAVEPOINT",
  "RELEASE",
  "SET",
  "SET CONSTRAINTS",
  "RESET",
  "SHOW",
  "DISCARD",
  "PREPARE",
  "EXECUTE",
  "DEALLOCATE",
  "DECLARE",
  "FETCH",
  "MOVE",
  "CLOSE",
  "LISTEN",
  "UNLISTEN",
  "NOTIFY",
  "VACUUM",
  "ANALYZE",
  "CHECKPOINT",
  "COMMENT",
  "SECURITY LABEL",
  "CREATE SEQUENCE",
  "ALTER SEQUENCE",
]);

/** Kinds after which a name in a statement may call other code than the catalog says. */
const ROUTINE_KINDS =
  /^(CREATE|ALTER) (FUNCTION|AGGREGATE|OPERATOR|CAST|TYPE|DOMAIN|EXTENSION|LANGUAGE|TRANSFORM)|^(ALTER SET SCHEMA|RENAME|IMPORT FOREIGN SCHEMA|DO|CALL)$/;

/** What the statement may change in the catalog's code, or null. */
export function codeChangeOf(facts: StatementFacts): CodeUncertainty | null {
  let change: CodeUncertainty | null = null;
  for (const kind of facts.kinds) {
    if (ROUTINE_KINDS.test(kind)) return "routines";
    if (!CODE_NEUTRAL_KINDS.has(kind)) change = "relations";
  }
  return change;
}

/** The larger of two uncertainties. */
export function widerUncertainty(
  a: CodeUncertainty | null | undefined,
  b: CodeUncertainty | null | undefined,
): CodeUncertainty | null {
  if (a === "routines" || b === "routines") return "routines";
  return a ?? b ?? null;
}

/**
 * The uncertainty a message's own statements bring to it: all are judged before any runs, so a
 * statement after one that changes code is judged by a catalog that cannot show the change.
 */
export function uncertaintyWithin(statements: readonly StatementFacts[]): CodeUncertainty | null {
  let change: CodeUncertainty | null = null;
  for (let i = 0; i < statements.length - 1; i++) {
    change = widerUncertainty(change, codeChangeOf(statements[i] as StatementFacts));
  }
  return change;
}

/** What a decision must do about the code catalog's age before judging. */
export type CatalogAge = "fresh" | "read-behind" | "read-first";

export function catalogAge(snapshot: CatalogSnapshot | null, now: number): CatalogAge {
  if (snapshot === null || snapshot.readAt === undefined) return snapshot === null ? "read-first" : "fresh";
  const age = now - snapshot.readAt;
  if (age > CODE_MAX_AGE_MS) return "read-first";
  return age > CODE_REFRESH_AFTER_MS ? "read-behind" : "fresh";
}

/**
 * One session's code changes the catalog has not caught up with, and its cursors whose FETCH runs
 * code (a DECLARE runs nothing; its query runs at each FETCH or MOVE).
 */
export class SessionCodeChanges {
  private pending: CodeUncertainty | null = null;
  /** Bare names of relations changed since the catalog caught up (see uncommitted-relations.ts). */
  private readonly changedRelations = new Set<string>();
  private hasCodeCursor = false;

  /**
   * `tracksUnseenDdl`: the front end refuses writes to names changed out of the catalog's sight
   * (Postgres, with a catalog snapshot), so code that may run DDL unseen counts as changing every
   * name. Without a snapshot every write is judged as unfollowable anyway, and every statement
   * counts as running code, which would only have each prepared statement judged again per run.
   */
  constructor(private readonly options: { tracksUnseenDdl: boolean } = { tracksUnseenDdl: true }) {}

  /**
   * An allowed (or held for review) statement, which may run; true when it may change code or may
   * run DDL unseen (`mayRunUnseenDdl`: then every name counts as changed until the catalog, read
   * again, catches up, and a prepared statement is noted again at each Bind).
   */
  note(
    statements: readonly StatementFacts[],
    mayRunUnjudgedCode: boolean,
    session: Parameters<typeof mayRunUnseenDdl>[1],
  ): boolean {
    let changes = false;
    for (const facts of statements) {
      const change = codeChangeOf(facts);
      if (change) changes = true;
      this.pending = widerUncertainty(this.pending, change);
      if (this.options.tracksUnseenDdl && mayRunUnseenDdl(facts, session)) {
        changes = true;
        this.changedRelations.add(ANY_RELATION);
      }
      for (const name of relationsChangedBy(facts, change)) this.changedRelations.add(name);
      // Bounded: a transaction of endless DDL changes "every name" rather than grow the gateway.
      if (this.changedRelations.size > MAX_CHANGED_RELATIONS) {
        this.changedRelations.clear();
        this.changedRelations.add(ANY_RELATION);
      }
      if (mayRunUnjudgedCode && facts.kinds.includes("DECLARE")) this.hasCodeCursor = true;
      if (facts.kind === "DISCARD") this.hasCodeCursor = false;
    }
    return changes;
  }

  get uncertainty(): CodeUncertainty | null {
    return this.pending;
  }

  /** Relations this session may have changed that the catalog cannot show yet (`*`: any). */
  get relationsChanged(): ReadonlySet<string> {
    return this.changedRelations;
  }

  /**
   * Whether the next statement with nothing in flight and no transaction open waits for a catalog
   * read that shows this session's changes: any code change, and, where a rule follows writes
   * (`followsWrites`), names that code the gateway did not judge may have changed.
   */
  isCatchUpDue(followsWrites: boolean): boolean {
    return this.pending !== null || (followsWrites && this.changedRelations.size > 0);
  }

  /** A catalog read started after every change so far was committed: it shows them. */
  caughtUp(): void {
    this.pending = null;
    this.changedRelations.clear();
  }

  /** A FETCH or MOVE may run a cursor's query, which may run code the gateway did not judge. */
  fetchRunsCode(facts: StatementFacts): boolean {
    return this.hasCodeCursor && (facts.kinds.includes("FETCH") || facts.kinds.includes("MOVE"));
  }
}
