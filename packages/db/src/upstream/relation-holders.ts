import type pg from "pg";

/**
 * Relations by name in schemas the login may use (the server skips the others on the path), from
 * a fresh read of the catalog, and the role that read it. Other sessions' temporary schemas are
 * left out: only the session itself can reach its own. While any other transaction holds or awaits
 * an ACCESS EXCLUSIVE lock on a relation of this database (a rename, drop or move not yet
 * committed, or a LOCK a statement could be made to wait on), nothing is placed: a statement that
 * waits for such a lock looks its names up again afterwards. Every name is qualified, so nothing
 * on the login's own path can stand in for the catalog (callers pin the path to pg_catalog too).
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
 * Where relations of these names live, as the login reading them may use them: the reading role
 * and name → the schemas that hold one (none placed while the catalog is about to move).
 */
export async function readRelationHolders(
  queryable: Pick<pg.ClientBase, "query">,
  names: readonly string[],
): Promise<{ role: string; holders: Map<string, string[]> }> {
  const { rows } = await queryable.query<{
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
}
