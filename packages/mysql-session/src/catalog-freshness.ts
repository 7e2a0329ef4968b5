import type { MaskingShape } from "@sluice/mysql-sql/masking-shape";
import type { Verdict } from "@sluice/policy/verdict";
import { type MaskingScope, maskingScope, unknownRelations } from "./masking-scope";
import type { UpstreamCatalog, UpstreamCatalogAccess } from "./upstream-catalog";

/**
 * A view created, or a table replaced by a view, after the catalog was read would pass for what it
 * was: the catalog is read again when older than this, before a statement is scoped.
 */
export const CATALOG_MAX_AGE_MS = 10_000;
/** A name the catalog lacks is read for again at most this often (it stays opaque meanwhile). */
export const UNKNOWN_NAME_REREAD_MS = 1_000;

type AllowVerdict = Extract<Verdict, { kind: "allow" }>;

/**
 * One session's reading of the upstream catalog for masking: read before the first scoped
 * statement, again when it is old, when a statement names a relation it lacks, after the session
 * changed the schema itself, and whenever the upstream's catalog fingerprint no longer matches
 * (checked before every statement scoped under column rules, so a change made from anywhere counts
 * at once). A read that fails leaves the catalog unknown: nothing is trusted (every untraceable
 * column is redacted) until a read succeeds.
 */
export class CatalogFreshness {
  private isStale = false;
  /**
   * Whether this session has asked for the catalog (its decisions follow columns, or it masks):
   * until then what a statement may change is not worth reading it for (see `isConsulted`).
   */
  private wasConsulted = false;
  /** The catalog `fresh()` just found current: the next `scope()` needs no second round trip. */
  private verified: UpstreamCatalog | null = null;

  constructor(
    private readonly access: UpstreamCatalogAccess,
    private readonly now: () => number = Date.now,
  ) {}

  async scope(
    verdict: AllowVerdict | null,
    shape: MaskingShape | null,
    selectors: readonly string[],
  ): Promise<MaskingScope> {
    this.wasConsulted = true;
    let catalog = this.access.current();
    const isOld = catalog === null || this.now() - catalog.readAt > CATALOG_MAX_AGE_MS;
    const lacksName =
      catalog !== null &&
      this.now() - catalog.readAt > UNKNOWN_NAME_REREAD_MS &&
      unknownRelations(verdict, catalog).some(
        (candidates) =>
          !candidates.some((name) => shape?.derivedNames.has(name.slice(name.indexOf(".") + 1))),
      );
    const isVerified = catalog !== null && this.verified === catalog;
    this.verified = null;
    if (this.isStale || isOld || lacksName || (!isVerified && !(await this.matchesUpstream(catalog))))
      catalog = await this.read();
    return maskingScope(verdict, shape, catalog, selectors);
  }

  /**
   * The catalog as the upstream has it now (read again when old, stale or moved), for what the
   * decision point must know before judging (generated columns); null when it cannot be read.
   */
  async fresh(): Promise<UpstreamCatalog | null> {
    this.wasConsulted = true;
    let catalog = this.access.current();
    const isOld = catalog === null || this.now() - catalog.readAt > CATALOG_MAX_AGE_MS;
    if (this.isStale || isOld || !(await this.matchesUpstream(catalog))) catalog = await this.read();
    this.verified = catalog;
    return catalog;
  }

  /** A statement held for review runs later: the catalog is checked again before it is scoped. */
  forgetVerified(): void {
    this.verified = null;
  }

  /**
   * Whether the session has used the catalog: then each statement is worth reading for its kinds
   * (catalog-changes.ts), or every statement would make the next one read the whole catalog again.
   */
  get isConsulted(): boolean {
    return this.wasConsulted;
  }

  /**
   * A statement is about to run: one that may create, drop, alter or rename relations (or whose
   * kinds are unknown: `mayChangeCatalog`) makes the next scope or decision read the catalog again.
   */
  noteStatement(mayChange: boolean): void {
    if (mayChange) this.isStale = true;
  }

  /** Whether nothing changed upstream since the catalog was read; a failed check says no. */
  private async matchesUpstream(catalog: UpstreamCatalog | null): Promise<boolean> {
    if (catalog === null) return false;
    return this.access.isCurrent(catalog).catch(() => false);
  }

  private async read(): Promise<UpstreamCatalog | null> {
    try {
      const catalog = await this.access.refresh();
      this.isStale = false;
      return catalog;
    } catch {
      return null;
    }
  }
}
