import type { ColumnSource } from "@sluice/sql/column-lineage";

/**
 * What each view's query reads, as the server recorded it when the view was created (PostgreSQL:
 * the columns its `_RETURN` rule depends on): `schema.view` → the columns (`column` null: a whole
 * row), or "opaque" when it calls code that is not built in (a user function could read anything).
 * Which output column each input feeds is not recorded: a view that reads a column anywhere is
 * judged to read it in every column.
 */
export type ViewReads = ReadonlyMap<string, readonly ViewSource[] | "opaque">;

/** One column (or, `column` null, a whole row) a view's query reads. */
export type ViewSource = ColumnSource;

/**
 * Whether reading the relation `name` (a view) reaches a column `covers` accepts, through any
 * number of views over views; a relation no view entry names reaches nothing this way.
 */
export function viewReaches(
  viewReads: ViewReads | undefined,
  name: string,
  covers: (source: ColumnSource) => boolean,
): boolean {
  if (!viewReads) return false;
  const seen = new Set<string>();
  const pending = [name];
  while (pending.length > 0) {
    const at = pending.pop() as string;
    if (seen.has(at)) continue;
    seen.add(at);
    const reads = viewReads.get(at);
    if (reads === undefined) continue;
    if (reads === "opaque") return true;
    for (const source of reads) {
      if (covers(source)) return true;
      pending.push(`${source.schema}.${source.table}`);
    }
  }
  return false;
}
