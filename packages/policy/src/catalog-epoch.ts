import { catalogAge } from "./code-freshness";
import type { CatalogSnapshot, ColumnCatalogAccess } from "./column-catalog";

/**
 * Counts the catalog snapshots a session's prepared statements are judged under, so one judged
 * under an earlier snapshot is judged again at its next Bind. A prepared read parsed while `t` was
 * a table runs, after another connection's `DROP TABLE t; CREATE VIEW t AS SELECT salary …`,
 * against the view (the server re-plans it), so its verdict, masking and review rest on what the
 * catalog says `t` is now. The count moves with every new snapshot, and with every look once the
 * snapshot is older than the code catalog's maximum age (the statement is then judged again, which
 * waits for a new read); a snapshot due a read behind has one started, for the next Bind to see.
 * Front ends without a snapshot (MySQL judges its prepared statements at each run) count nothing.
 */
export class CatalogEpoch {
  private seen: CatalogSnapshot | null = null;
  private count = 0;

  constructor(private readonly catalogs: ColumnCatalogAccess | undefined) {}

  now(time: number = Date.now()): number {
    const catalogs = this.catalogs;
    if (!catalogs) return 0;
    const snapshot = catalogs.current();
    if (snapshot !== this.seen) {
      this.seen = snapshot;
      this.count += 1;
    }
    const age = catalogAge(snapshot, time);
    if (age === "read-first") this.count += 1;
    else if (age === "read-behind") void catalogs.refresh().catch(() => {});
    return this.count;
  }
}
