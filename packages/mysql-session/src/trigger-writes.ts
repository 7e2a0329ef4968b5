import { type OwnerWrite, type OwnerWrites, unknownOwnerWrites } from "@sluice/policy/owner-writes";
import type { UpstreamCatalog } from "./upstream-catalog";

/**
 * What each table's triggers write, for TABLE rules on writes (the policy follows them to a fixed
 * point with views and cascades, write-reach.ts): the bodies as the catalog read parsed them
 * (write-code.ts), so `INSERT INTO customers …` whose trigger updates orders writes orders. A body
 * Sluice cannot read is kept with why, and counts as writing every table. Generated columns and
 * DEFAULTs write nothing else (MariaDB allows no stored function in them), and a view's own piece
 * is followed through its reads instead. A catalog read without the triggers knows nothing; on a
 * server that lists triggers by privilege (MySQL), a table whose triggers the login may not see
 * counts as writing every table (trigger-sight.ts).
 */
export function triggerWritesOf(catalog: UpstreamCatalog): OwnerWrites {
  if (!catalog.writeCode)
    return unknownOwnerWrites("the catalog read did not include the upstream's triggers");
  const out = new Map<string, OwnerWrite[]>();
  for (const [key, pieces] of catalog.writeCode) {
    const triggers: OwnerWrite[] = [];
    for (const piece of pieces) {
      if (piece.kind !== "trigger") continue;
      const { source, via, reading } = piece;
      triggers.push(
        reading.isReadable
          ? { source, via, writes: reading.writes.map((t) => `${t.schema}.${t.table}`), calls: reading.calls }
          : { source, via, whyUnjudged: reading.why },
      );
    }
    if (triggers.length > 0) out.set(key, triggers);
  }
  const sight = catalog.triggerSight;
  return Object.assign(out, { isCaseFolded: true, ...(sight ? { whyTriggersUnseen: sight.whyUnseen } : {}) });
}
