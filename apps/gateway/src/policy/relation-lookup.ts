import { createHash } from "node:crypto";
import { pgClientConfig } from "@sluice/db/upstream/pg-client-config";
import type { RelationLookup } from "@sluice/policy/search-path";
import type { ConnectionRecord } from "@sluice/session/directory";
import pg from "pg";

/** Idle side connections close after this; a lookup is only needed when a statement would be refused. */
const IDLE_MS = 10_000;

/**
 * Relations by name in schemas the login may use (the server skips the others on the path), from
 * a fresh read of the catalog. Other sessions' temporary schemas are left out: only the session
 * itself can reach its own. A relation someone holds an ACCESS EXCLUSIVE lock on is being dropped,
 * renamed or moved by a transaction not yet committed: a statement that waits for that lock looks
 * its names up again afterwards, so such a name is not placed at all. Every name is qualified and
 * the connection's path is pinned, so nothing on the login's own path can stand in for the catalog.
 */
const RELATIONS_SQL = `
SELECT c.relname AS name, n.nspname AS schema,
       EXISTS (SELECT FROM pg_catalog.pg_locks l
               WHERE l.locktype OPERATOR(pg_catalog.=) 'relation' AND l.relation OPERATOR(pg_catalog.=) c.oid
                 AND l.mode OPERATOR(pg_catalog.=) 'AccessExclusiveLock') AS is_changing
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
WHERE c.relname OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.name[])
  AND c.relkind OPERATOR(pg_catalog.=) ANY ('{r,v,m,p,f,S}'::pg_catalog."char"[])
  AND n.nspname OPERATOR(pg_catalog.!~) '^pg_(temp|toast_temp)_'
  AND pg_catalog.has_schema_privilege(n.oid, 'USAGE')`;

/**
 * Side connections that read where relations live, one small pool per upstream login (a changed
 * brokered password gets a pool of its own; the old one drains when idle).
 */
export function createRelationLookups(log: (line: string) => void) {
  const pools = new Map<string, pg.Pool>();

  const poolFor = (connection: ConnectionRecord): pg.Pool => {
    const key = loginKey(connection);
    let pool = pools.get(key);
    if (!pool) {
      for (const [other, stale] of pools) {
        if (!other.startsWith(`${connection.connectionId}:`)) continue;
        pools.delete(other);
        void stale.end().catch(() => {});
      }
      pool = new pg.Pool({
        ...pgClientConfig(connection, "sluice-name-resolution"),
        options: "-c search_path=pg_catalog",
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
      return async (names) => {
        const { rows } = await poolFor(connection).query<{
          name: string;
          schema: string;
          is_changing: boolean;
        }>(RELATIONS_SQL, [names]);
        const holders = new Map<string, string[]>();
        for (const row of rows) holders.set(row.name, [...(holders.get(row.name) ?? []), row.schema]);
        // Not placed: every candidate stays for a name whose relations are changing right now.
        for (const row of rows) if (row.is_changing) holders.delete(row.name);
        return holders;
      };
    },
    async close(): Promise<void> {
      const closing = [...pools.values()].map((pool) => pool.end().catch(() => {}));
      pools.clear();
      await Promise.all(closing);
    },
  };
}

/** Pools are keyed by everything the login uses; the password only as a digest. */
function loginKey(connection: ConnectionRecord): string {
  const digest = createHash("sha256")
    .update(
      JSON.stringify([
        connection.host,
        connection.port,
        connection.database,
        connection.user,
        connection.password,
        connection.tlsMode,
        connection.tlsCaPem,
        connection.tlsServerName,
      ]),
    )
    .digest("hex");
  return `${connection.connectionId}:${digest}`;
}
