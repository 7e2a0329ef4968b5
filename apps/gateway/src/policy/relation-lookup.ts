import { createHash } from "node:crypto";
import { pgClientConfig } from "@sluice/db/upstream/pg-client-config";
import type { RelationLookup } from "@sluice/policy/search-path";
import type { ConnectionRecord } from "@sluice/session/directory";
import pg from "pg";

/** Idle side connections close after this; a lookup is only needed when a statement would be refused. */
const IDLE_MS = 10_000;

/**
 * Relations by name in schemas the login may use (the server skips the others on the path), from
 * a fresh read of the catalog, and the role that read it. Other sessions' temporary schemas are
 * left out: only the session itself can reach its own. While any other transaction holds or awaits
 * an ACCESS EXCLUSIVE lock on a relation of this database (a rename, drop or move not yet
 * committed, or a LOCK a statement could be made to wait on), nothing is placed: a statement that
 * waits for such a lock looks its names up again afterwards. Every name is qualified and the
 * connection's path is pinned, so nothing on the login's own path can stand in for the catalog.
 */
const RELATIONS_SQL = `
SELECT current_user AS role, x.is_busy, r.name, r.schema
FROM (SELECT EXISTS (
        SELECT FROM pg_catalog.pg_locks l
        WHERE l.locktype OPERATOR(pg_catalog.=) 'relation'
          AND l.mode OPERATOR(pg_catalog.=) 'AccessExclusiveLock'
          AND l.pid IS DISTINCT FROM pg_catalog.pg_backend_pid()
          AND l.database OPERATOR(pg_catalog.=)
              (SELECT d.oid FROM pg_catalog.pg_database d
               WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database())) AS is_busy) x
LEFT JOIN (
  SELECT c.relname AS name, n.nspname AS schema
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
  WHERE c.relname OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.name[])
    AND c.relkind OPERATOR(pg_catalog.=) ANY ('{r,v,m,p,f,S}'::pg_catalog."char"[])
    AND n.nspname OPERATOR(pg_catalog.!~) '^pg_(temp|toast_temp)_'
    AND pg_catalog.has_schema_privilege(n.oid, 'USAGE')
) r ON true`;

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
          role: string;
          is_busy: boolean;
          name: string | null;
          schema: string | null;
        }>(RELATIONS_SQL, [names]);
        const holders = new Map<string, string[]>();
        const role = rows[0]?.role ?? "";
        if (rows[0]?.is_busy) return { role, holders };
        for (const row of rows) {
          if (row.name === null || row.schema === null) continue;
          holders.set(row.name, [...(holders.get(row.name) ?? []), row.schema]);
        }
        return { role, holders };
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
