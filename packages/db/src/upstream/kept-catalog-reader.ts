import pg from "pg";
import { catalogFingerprint, newFingerprintSeed } from "./catalog-fingerprint";
import { type ColumnCatalog, readConsistentCatalog } from "./column-catalog";
import { upstreamLoginKey } from "./login-key";
import { pgCatalogReaderConfig, type UpstreamLogin } from "./pg-client-config";

/** A kept catalog connection closes after this long unused; reads come every few seconds in use. */
const IDLE_MS = 10_000;

export type KeptCatalogRead =
  | { kind: "unchanged" }
  | { kind: "read"; catalog: ColumnCatalog; fingerprint: string };

/**
 * The gateway's catalog reads, over one kept side connection per upstream login instead of a login
 * per read, and skipped when the catalog's fingerprint shows nothing changed since the last read
 * (catalog-fingerprint.ts): a gateway in use reads the catalog every few seconds, and the whole read
 * costs the upstream about 100 ms each time.
 */
export function createKeptCatalogReader(log: (line: string) => void) {
  const seed = newFingerprintSeed();
  const pools = new Map<string, pg.Pool>();

  const poolFor = (connectionId: string, login: UpstreamLogin): pg.Pool => {
    const key = upstreamLoginKey(connectionId, login);
    let pool = pools.get(key);
    if (!pool) {
      for (const [other, stale] of pools) {
        if (!other.startsWith(`${connectionId}:`)) continue;
        pools.delete(other);
        void stale.end().catch(() => {});
      }
      pool = new pg.Pool({
        ...pgCatalogReaderConfig(login, "sluice-masking-catalog"),
        max: 1,
        idleTimeoutMillis: IDLE_MS,
      });
      pool.on("error", (error) => log(`catalog connection failed: ${error.message}`));
      pools.set(key, pool);
    }
    return pool;
  };

  return {
    /**
     * The catalog, or "unchanged" when its fingerprint is still `lastFingerprint` (null: read it).
     * A connection that failed is dropped, never reused mid-transaction.
     */
    async read(
      connectionId: string,
      login: UpstreamLogin,
      lastFingerprint: string | null,
    ): Promise<KeptCatalogRead> {
      const client = await poolFor(connectionId, login).connect();
      let failure: Error | undefined;
      try {
        if (lastFingerprint !== null && (await catalogFingerprint(client, seed)) === lastFingerprint) {
          return { kind: "unchanged" };
        }
        return { kind: "read", ...(await readConsistentCatalog(client, seed)) };
      } catch (error) {
        failure = error instanceof Error ? error : new Error(String(error));
        throw error;
      } finally {
        client.release(failure);
      }
    },
    async close(): Promise<void> {
      const closing = [...pools.values()].map((pool) => pool.end().catch(() => {}));
      pools.clear();
      await Promise.all(closing);
    },
  };
}

export type KeptCatalogReader = ReturnType<typeof createKeptCatalogReader>;
