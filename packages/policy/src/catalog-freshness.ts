import type { StatementFacts } from "@sluice/sql/facts";
import {
  followsColumns,
  followsReadViews,
  followsWrites,
  followsWrittenViews,
  namesUnknownRelation,
} from "./catalog-needs";
import { catalogAge, type SessionCodeChanges } from "./code-freshness";
import type { CatalogSnapshot, ColumnCatalogAccess } from "./column-catalog";
import type { ConnectionPolicy } from "./rules";
import type { PolicySessionState } from "./session-state";
import { staleCatalogDenial } from "./statement-limits";
import type { StatementRequest, Verdict } from "./verdict";

/**
 * A read a statement waits for: one begun after `startedAfter` (when it is set), not one already
 * under way, which may have taken its snapshot before what the statement needs was committed.
 */
export type ReadNeeded = { mustCatchUp: boolean; startedAfter: number | undefined };

/**
 * Whether one session's statement may be judged against the upstream's catalog snapshot as it is,
 * or must wait for a new read first: the snapshot is older than the code catalog's maximum age,
 * this session changed code since (code-freshness.ts), or the statement names a relation the
 * snapshot does not hold (created since the read, by this session or another one) where a rule
 * follows it. A read that fails leaves the statement refused, never judged by the older snapshot.
 */
export class CatalogFreshness {
  /**
   * Statements (the facts cache's one object per shape) found to read only relations the catalog
   * knows, under the snapshot and the session state's version that finding rests on: the same
   * question asked again under both has the same answer, so a repeated shape skips the lookups.
   */
  private readonly knownReads = new WeakMap<
    readonly StatementFacts[],
    { snapshot: CatalogSnapshot; stateVersion: number }
  >();

  constructor(
    private readonly catalogs: ColumnCatalogAccess,
    private readonly state: PolicySessionState,
    private readonly codeChanges: SessionCodeChanges,
  ) {}

  /**
   * The read a statement must wait for, or null when the snapshot as it is will do (a snapshot due a
   * read behind has one started, for later statements). Null allocates nothing: most statements.
   */
  readNeeded(
    policy: ConnectionPolicy,
    statement: StatementRequest,
    statements: StatementFacts[],
  ): ReadNeeded | null {
    const catalogs = this.catalogs;
    const snapshot = catalogs.current();
    const now = Date.now();
    const age = catalogAge(snapshot, now);
    // This session's own code changes show in a read begun after they were committed.
    const mustCatchUp =
      statement.isUpstreamSettled === true && this.codeChanges.isCatchUpDue(followsWrites(policy));
    // A relation created since the catalog was read (a view another session made over a covered
    // column, a temp table of this session) would be unknown, so not followed: read the catalog
    // again first, in a transaction too (the server finds other sessions' committed relations by
    // name there as well). Unknown is not enough: a COLUMN rule never reached the column under it,
    // and `INSERT INTO mine SELECT ssn FROM fresh_view` copied a masked column in clear. What the
    // read still lacks is this transaction's own, made by statements judged already.
    // A write to a relation it does not hold (a view another session just made over a table a
    // rule on writes covers) is read again first likewise.
    // Such a relation was committed before the statement came: a read already under way may have
    // begun before that, and would miss it too (the view another session made a moment ago).
    const namesUnknown =
      (snapshot !== null &&
        (followsColumns(policy) || followsReadViews(policy, statements)) &&
        this.readsUnknownRelation(statements, snapshot)) ||
      (snapshot !== null &&
        followsWrittenViews(policy, statements) &&
        namesUnknownRelation(statements, snapshot, this.state, "write"));
    if (mustCatchUp || namesUnknown) return { mustCatchUp, startedAfter: now };
    if (age === "read-first") return { mustCatchUp, startedAfter: undefined };
    if (age === "read-behind") void catalogs.refresh().catch(() => {});
    return null;
  }

  /** `judge`'s verdict once the catalog `needed` has been read. */
  judgeAfterRead(
    needed: ReadNeeded,
    judge: () => Verdict | Promise<Verdict>,
    isCatalogFree = false,
  ): Promise<Verdict> {
    const catalogs = this.catalogs;
    const { mustCatchUp } = needed;
    const caughtUp = () => {
      if (mustCatchUp) this.codeChanges.caughtUp();
      return judge();
    };
    // A catalog held before is not judged by when the read it needed failed (a role default such
    // as statement_timeout can make every read fail): refused, saying why. With none held, the
    // statement is judged as the catalog-less rules say (every relation unknown).
    // A statement that judges by no catalog (a BEGIN that only came to catch up) is judged anyway:
    // the session's changes stay uncaught, and the statements that need them refused.
    const unread = (error: unknown) =>
      isCatalogFree || catalogs.current() === null ? judge() : staleCatalogDenial(error);
    const { startedAfter } = needed;
    return catalogs.refresh(startedAfter === undefined ? undefined : { startedAfter }).then(caughtUp, unread);
  }

  /**
   * An unknown relation read, remembered per statements object while the snapshot and the session's
   * state (its search path among it) stay as they were. Only "all known" is kept: an unknown
   * relation has the catalog read again, which gives a new snapshot anyway.
   */
  private readsUnknownRelation(statements: StatementFacts[], snapshot: CatalogSnapshot): boolean {
    const known = this.knownReads.get(statements);
    const stateVersion = this.state.version;
    if (known?.snapshot === snapshot && known.stateVersion === stateVersion) return false;
    if (namesUnknownRelation(statements, snapshot, this.state, "read")) return true;
    this.knownReads.set(statements, { snapshot, stateVersion });
    return false;
  }
}
