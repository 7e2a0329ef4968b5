import type { RelationCatalog } from "@sluice/sql/column-lineage";
import type { ParsedStatements, StatementFacts } from "@sluice/sql/facts";
import { type CodeUncertainty, catalogAge, type SessionCodeChanges } from "./code-freshness";
import { type CatalogSnapshot, isKnownRelation, isSystemRelation, relationCatalog } from "./column-catalog";
import type { SessionContext } from "./engine";
import { type GeneratedColumns, UNKNOWN_GENERATED } from "./generated-columns";
import type { ConnectionPolicy } from "./rules";
import type { PolicySessionState } from "./session-state";
import type { StatementRequest, UpstreamAccess } from "./verdict";

/**
 * One session's view of the upstream's catalog: when a statement must wait for it to be read again
 * (or for the front end's generated columns to be checked), and the columns, code, generated
 * columns and view reads the engine judges against.
 */
export class SessionCatalog {
  /** Generated columns as last checked through `upstream.generated` (front ends without a snapshot). */
  private checkedGenerated: GeneratedColumns | undefined;
  /** One catalog view per snapshot and search path, so lineage resolved once is reused. */
  private cachedColumns:
    | {
        snapshot: CatalogSnapshot;
        key: string;
        resolved: ReadonlyMap<string, string> | undefined;
        catalog: RelationCatalog;
      }
    | undefined;

  constructor(
    private readonly upstream: UpstreamAccess | undefined,
    private readonly state: PolicySessionState,
    private readonly codeChanges: SessionCodeChanges,
  ) {}

  /** The snapshot the catalog read last gave, or null (never read, or it could not be read). */
  snapshot(): CatalogSnapshot | null {
    return this.upstream?.columns?.current() ?? null;
  }

  /**
   * A read of the catalog the statement must wait for, or null when the snapshot may judge it. The
   * promise settles (never rejects) once the read ended: a failed read leaves the snapshot as it
   * was, and the statement is judged on what is known (a missing catalog fails closed downstream).
   */
  refreshBefore(
    policy: ConnectionPolicy,
    statement: StatementRequest,
    parsed: ParsedStatements,
  ): Promise<void> | null {
    const catalogs = this.upstream?.columns;
    if (!catalogs || !parsed.ok || !needsCatalog(parsed.statements)) return null;
    const snapshot = catalogs.current();
    const now = Date.now();
    const age = catalogAge(snapshot, now);
    // This session's own code changes show in a read begun after they were committed.
    const mustCatchUp = this.codeChanges.uncertainty !== null && statement.isUpstreamSettled === true;
    // A relation created since the catalog was read (a temp table of this session) would be
    // unknown, so masked whole: read the catalog again first, when the server would see it too.
    const isStale =
      age === "read-first" ||
      mustCatchUp ||
      (snapshot !== null &&
        followsColumns(policy) &&
        statement.isUpstreamSettled === true &&
        readsUnknownRelation(parsed.statements, snapshot, this.state));
    if (isStale) {
      const caughtUp = () => {
        if (mustCatchUp) this.codeChanges.caughtUp();
      };
      return catalogs.refresh(mustCatchUp ? { startedAfter: now } : undefined).then(caughtUp, () => {});
    }
    if (age === "read-behind") void catalogs.refresh().catch(() => {});
    return null;
  }

  /**
   * For a front end without a snapshot: the check of its generated columns the statement must wait
   * for (a column computed from a covered one is covered), or null. A failed check leaves them
   * unknown.
   */
  checkGeneratedBefore(policy: ConnectionPolicy, parsed: ParsedStatements): Promise<void> | null {
    const generated = this.upstream?.generated;
    if (!generated || !parsed.ok || !needsCatalog(parsed.statements) || !followsColumns(policy)) return null;
    const checked = (known: GeneratedColumns) => {
      this.checkedGenerated = known;
    };
    return generated().then(checked, () => checked(UNKNOWN_GENERATED));
  }

  /**
   * The upstream's generated columns: the snapshot's, or as the front end last checked them. A
   * front end that reads a catalog but holds none (it could not be read) cannot tell which columns
   * are computed from which, so any may be computed from any other (fail closed).
   */
  generated(): GeneratedColumns | undefined {
    const catalogs = this.upstream?.columns;
    if (!catalogs) return this.checkedGenerated;
    const snapshot = catalogs.current();
    if (!snapshot) return UNKNOWN_GENERATED;
    return snapshot.generated ?? this.checkedGenerated;
  }

  /** The session as the engine sees it, with the upstream's columns when they are known. */
  withColumns(base: SessionContext, uncertainty: CodeUncertainty | null = null): SessionContext {
    const columns = this.columnsFor(base);
    const code = this.snapshot()?.code;
    const generated = this.generated();
    const viewReads = this.snapshot()?.viewReads;
    return columns || code || uncertainty || generated || viewReads
      ? {
          searchPath: base.searchPath,
          implicitSchemas: base.implicitSchemas,
          prepared: base.prepared,
          ...(base.resolved ? { resolved: base.resolved } : {}),
          ...(base.isPathComputed ? { isPathComputed: true } : {}),
          ...(columns ? { columns } : {}),
          ...(generated ? { generated } : {}),
          ...(viewReads ? { viewReads } : {}),
          ...(code ? { upstreamCode: code } : {}),
          ...(uncertainty ? { codeUncertainty: uncertainty } : {}),
        }
      : base;
  }

  columnsFor(base: SessionContext): RelationCatalog | undefined {
    const snapshot = this.snapshot();
    if (!snapshot) return undefined;
    const key = base.searchPath.join("\u0000");
    const cached = this.cachedColumns;
    if (cached?.snapshot !== snapshot || cached.key !== key || cached.resolved !== base.resolved) {
      this.cachedColumns = {
        snapshot,
        key,
        resolved: base.resolved,
        catalog: relationCatalog(snapshot, base),
      };
    }
    return this.cachedColumns?.catalog;
  }
}

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
function needsCatalog(statements: readonly StatementFacts[]): boolean {
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
function followsColumns(policy: ConnectionPolicy): boolean {
  return (
    (policy.masking ?? []).some((rule) => rule.selector !== null) ||
    policy.reviews.some((rule) => rule.match.columns !== undefined) ||
    policy.guardrails.some((rule) => rule.kind === "COLUMN")
  );
}

/**
 * A relation the statements read that the catalog does not hold (system relations aside). Only
 * reads count: a write's lineage is judged by what it reads, and CREATE would always miss.
 */
function readsUnknownRelation(
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
