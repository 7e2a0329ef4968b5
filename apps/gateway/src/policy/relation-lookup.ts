import { upstreamLoginKey } from "@sluice/db/upstream/login-key";
import { pgCatalogReaderConfig } from "@sluice/db/upstream/pg-client-config";
import { readRelationHolders } from "@sluice/db/upstream/relation-holders";
import type { RelationLookup } from "@sluice/policy/search-path";
import type { ConnectionRecord } from "@sluice/session/directory";
import pg from "pg";

/** Idle side connections close after this; a lookup is only needed when a statement would be refused. */
const IDLE_MS = 10_000;

/**
 * Side connections that read where relations live, one small pool per upstream login (a changed
 * brokered password gets a pool of its own; the old one drains when idle).
 */
export function createRelationLookups(log: (line: string) => void) {
  const pools = new Map<string, pg.Pool>();

  const poolFor = (connection: ConnectionRecord): pg.Pool => {
    const key = upstreamLoginKey(connection.connectionId, connection);
    let pool = pools.get(key);
    if (!pool) {
      for (const [other, stale] of pools) {
        if (!other.startsWith(`${connection.connectionId}:`)) continue;
        pools.delete(other);
        void stale.end().catch(() => {});
      }
      pool = new pg.Pool({
        ...pgCatalogReaderConfig(connection, "sluice-name-resolution"),
        max: 2,
        idleTimeoutMillis: IDLE_MS,
      });
      pool.on("error", (error) => log(`name-resolution connection failed: ${error.message}`));
      pools.set(key, pool);
    }
    return pool;
  };

  return {
    forConnection(connection: ConnectionRecord): RelationLookup {
      // Pinned: the reading is the catalog's, whatever path the login's defaults give it.
      return (names) => readRelationHolders(poolFor(connection), names);
    },
    async close(): Promise<void> {
      const closing = [...pools.values()].map((pool) => pool.end().catch(() => {}));
      pools.clear();
      await Promise.all(closing);
    },
  };
}
