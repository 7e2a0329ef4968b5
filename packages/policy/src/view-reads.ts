import type { ColumnSource } from "@sluice/sql/column-lineage";

/**
 * What each view's query reads: `schema.view` → the columns (`column` null: a whole row), or an
 * opaque view, which may read anything. PostgreSQL: the columns its `_RETURN` rule depends on, as
 * the server recorded them ("opaque" when it calls code that is not built in). MySQL: the view's
 * definition read with the agent's grammar (`mysql-session`'s view-lineage.ts), opaque with the
 * reason it cannot be traced. Which output column each input feeds is not kept: a view that reads a
 * column anywhere is judged to read it in every column.
 */
export type ViewReads = ReadonlyMap<string, ViewRead> & {
  /** The server matches relation names in any case (MySQL): keys are lower-cased and looked up so. */
  readonly isCaseFolded?: boolean;
  /**
   * Set when the catalog could not be read: any relation may be a view reading anything, for this
   * reason (fail closed).
   */
  readonly unknownBecause?: string;
};

/** What one view reads: its sources, or opaque (with why, when the front end can say). */
export type ViewRead = readonly ViewSource[] | "opaque" | OpaqueView;

/** A view Sluice cannot trace, and why (shown in the verdict it causes). */
export type OpaqueView = { readonly whyOpaque: string };

/** One column (or, `column` null, a whole row) a view's query reads. */
export type ViewSource = ColumnSource;

/** How a read through views reached a column: `why` says so when an opaque view stood for it. */
export type ViewReach = { why: string | null };

/** Views nobody can trace, for a catalog that could not be read (see `ViewReads.unknownBecause`). */
export function unknownViewReads(reason: string): ViewReads {
  return Object.assign(new Map<string, ViewRead>(), { isCaseFolded: true, unknownBecause: reason });
}

/**
 * Whether reading the relation `name` (a view) reaches a column `covers` accepts, through any
 * number of views over views; a relation no view entry names reaches nothing this way.
 */
export function viewReaches(
  viewReads: ViewReads | undefined,
  name: string,
  covers: (source: ColumnSource) => boolean,
): boolean {
  return viewReach(viewReads, name, covers) !== null;
}

/** As `viewReaches`, saying why when the answer rests on a view that cannot be traced. */
export function viewReach(
  viewReads: ViewReads | undefined,
  name: string,
  covers: (source: ColumnSource) => boolean,
): ViewReach | null {
  if (!viewReads) return null;
  if (viewReads.unknownBecause !== undefined) {
    return { why: `${name} may be a view reading any column: ${viewReads.unknownBecause}` };
  }
  const key = (relation: string) => (viewReads.isCaseFolded ? relation.toLowerCase() : relation);
  const start = key(name);
  // Most relations a statement names are tables: nothing to walk.
  if (!viewReads.has(start)) return null;
  const seen = new Set<string>();
  const pending = [start];
  while (pending.length > 0) {
    const at = pending.pop() as string;
    if (seen.has(at)) continue;
    seen.add(at);
    const reads = viewReads.get(at);
    if (reads === undefined) continue;
    if (reads === "opaque") return { why: null };
    if (!Array.isArray(reads)) {
      return { why: `view ${at} counts as reading every column: ${(reads as OpaqueView).whyOpaque}` };
    }
    for (const source of reads as readonly ViewSource[]) {
      if (covers(source)) return { why: null };
      pending.push(key(`${source.schema}.${source.table}`));
    }
  }
  return null;
}
