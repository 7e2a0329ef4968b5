import type { RelationCatalog } from "@sluice/sql/column-lineage";
import {
  type CodeUncertainty,
  type SessionCodeChanges,
  uncertaintyWithin,
  widerUncertainty,
} from "./code-freshness";
import { type CatalogSnapshot, relationCatalog } from "./column-catalog";
import type { SessionContext } from "./engine";
import type { FactsCache } from "./facts-cache";
import { CATALOG_UNREAD, type FollowedColumns } from "./followed-columns";
import { type GeneratedColumns, UNKNOWN_GENERATED } from "./generated-columns";
import { relationsChangedAfter } from "./uncommitted-relations";
import type { UpstreamCode } from "./upstream-code";
import type { UpstreamAccess } from "./verdict";
import { unknownViewReads, type ViewReads } from "./view-reads";

type Parsed = ReturnType<FactsCache["parse"]>;

/** Why a message that changes relations before its last statement is judged with views unknown. */
const VIEWS_CHANGED_WITHIN =
  "a statement earlier in the same message may create or replace views, which the catalog cannot show yet";

/**
 * Views when the catalog could not be read: one value, so a repeated read's key stays the same
 * while the catalog stays unread (see `RepeatKey`).
 */
const VIEWS_UNREAD = unknownViewReads(CATALOG_UNREAD);

/**
 * What one session's decisions know of the upstream's catalog: the snapshot's columns (one
 * relation catalog per snapshot and search path), generated columns and view reads (or, for a
 * front end without a snapshot, as it last checked them), and the session context the engine
 * judges with, built from them.
 */
export class SessionCatalog {
  /** Generated columns and view reads as last checked through `upstream.followed` (front ends without a snapshot). */
  checked: FollowedColumns | undefined;
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
    private readonly codeChanges: SessionCodeChanges,
  ) {}

  /**
   * The upstream's generated columns: the snapshot's, or as the front end last checked them. A
   * front end that reads a catalog but holds none (it could not be read) cannot tell which columns
   * are computed from which, so any may be computed from any other (fail closed).
   */
  generated(): GeneratedColumns | undefined {
    const catalogs = this.upstream?.columns;
    if (!catalogs) return this.checked?.generated;
    const snapshot = catalogs.current();
    if (!snapshot) return UNKNOWN_GENERATED;
    return snapshot.generated ?? this.checked?.generated;
  }

  /**
   * What the upstream's views read: the snapshot's, or as the front end last checked them. A front
   * end that reads a catalog but holds none (it could not be read) cannot tell a table from a view
   * over any other, and a check made before the message ran cannot show a view an earlier statement
   * of it creates or replaces: then any relation may be a view reading anything (fail closed).
   */
  viewReads(parsed: Parsed | null = null): ViewReads | undefined {
    const catalogs = this.upstream?.columns;
    if (catalogs) {
      const snapshot = catalogs.current();
      // A snapshot without view reads holds no views.
      return snapshot ? snapshot.viewReads : VIEWS_UNREAD;
    }
    if (this.checked && parsed?.ok && uncertaintyWithin(parsed.statements) !== null) {
      return unknownViewReads(VIEWS_CHANGED_WITHIN);
    }
    return this.checked?.viewReads;
  }

  /** What this session, and this message's statements before the last, changed that the catalog cannot show. */
  private uncertaintyOf(parsed: Parsed): CodeUncertainty | null {
    const within = parsed.ok ? uncertaintyWithin(parsed.statements) : null;
    return widerUncertainty(this.codeChanges.uncertainty, within);
  }

  /**
   * Relations this session, and this message's statements before the last (all are judged before
   * any runs), changed unseen; null for none.
   */
  private relationsChangedFor(
    parsed: Parsed | null,
    base: SessionContext,
    code: UpstreamCode | undefined,
  ): ReadonlySet<string> | null {
    const pending = this.codeChanges.relationsChanged;
    if (!parsed?.ok || parsed.statements.length < 2) return pending.size > 0 ? pending : null;
    // Only a catalog snapshot tells a write's target: only there are names changed unseen followed.
    const session = this.upstream?.columns
      ? {
          searchPath: base.searchPath,
          prepared: base.prepared,
          ...(base.isPathComputed ? { isPathComputed: true } : {}),
          ...(code ? { upstreamCode: code } : {}),
        }
      : null;
    const changed = relationsChangedAfter(parsed.statements.slice(0, -1), pending, session);
    return changed.size > 0 ? changed : null;
  }

  /** The session as the engine sees it, with the upstream's columns when they are known. */
  withColumns(base: SessionContext, parsed: Parsed | null = null): SessionContext {
    const uncertainty = parsed ? this.uncertaintyOf(parsed) : null;
    const columns = this.columnsFor(base);
    const code = this.upstream?.columns?.current()?.code;
    const relationsChanged = this.relationsChangedFor(parsed, base, code);
    const families = this.upstream?.columns?.current()?.families;
    const cascades = this.upstream?.columns
      ? this.upstream.columns.current()?.cascades
      : this.checked?.cascades;
    // Only a front end without a snapshot reads its triggers' bodies (Postgres judges them by name).
    const ownerWrites = this.upstream?.columns ? undefined : this.checked?.ownerWrites;
    const generated = this.generated();
    const viewReads = this.viewReads(parsed);
    // A front end that reads a catalog but holds none (the read failed) cannot follow a write.
    const isCatalogUnread = this.upstream?.columns !== undefined && this.upstream.columns.current() === null;
    return columns ||
      code ||
      uncertainty ||
      generated ||
      viewReads ||
      families ||
      cascades ||
      ownerWrites ||
      relationsChanged ||
      isCatalogUnread
      ? {
          searchPath: base.searchPath,
          implicitSchemas: base.implicitSchemas,
          prepared: base.prepared,
          ...(base.resolved ? { resolved: base.resolved } : {}),
          ...(base.isPathComputed ? { isPathComputed: true } : {}),
          ...(base.newTables ? { newTables: base.newTables } : {}),
          ...(base.shadowingNames && base.shadowingNames.size > 0
            ? { shadowingNames: base.shadowingNames }
            : {}),
          ...(columns ? { columns } : {}),
          ...(generated ? { generated } : {}),
          ...(viewReads ? { viewReads } : {}),
          ...(families && families.size > 0 ? { families } : {}),
          ...(cascades ? { cascades } : {}),
          ...(ownerWrites ? { ownerWrites } : {}),
          ...(isCatalogUnread ? { catalogUnreadBecause: CATALOG_UNREAD } : {}),
          ...(code ? { upstreamCode: code } : {}),
          ...(uncertainty ? { codeUncertainty: uncertainty } : {}),
          ...(relationsChanged ? { relationsChanged } : {}),
        }
      : base;
  }

  columnsFor(base: SessionContext): RelationCatalog | undefined {
    const snapshot = this.upstream?.columns?.current() ?? null;
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
