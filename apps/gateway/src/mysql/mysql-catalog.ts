import {
  type CatalogRelationRow,
  catalogOf,
  type UpstreamCatalog,
  type UpstreamCatalogAccess,
} from "@sluice/mysql-session/upstream-catalog";
import type { ConnectionRecord } from "@sluice/session/directory";
import mysql from "mysql2/promise";

/** Every relation the connection's login can see, system schemas included (they are classified). */
const RELATIONS_SQL =
  "SELECT TABLE_SCHEMA AS `schema`, TABLE_NAME AS `table`, TABLE_TYPE AS `type` FROM information_schema.TABLES";

/** A side connection's login must not wait on a stalled server longer than a statement would. */
const CATALOG_CONNECT_TIMEOUT_MS = 10_000;

/** Reads the upstream's relations with the connection's brokered credentials. */
export async function readMySqlCatalog(connection: ConnectionRecord): Promise<UpstreamCatalog> {
  const client = await mysql.createConnection({
    host: connection.host,
    port: connection.port,
    user: connection.user,
    password: connection.password ?? "",
    connectTimeout: CATALOG_CONNECT_TIMEOUT_MS,
  });
  try {
    const [rows] = await client.query(RELATIONS_SQL);
    return catalogOf(rows as CatalogRelationRow[], Date.now());
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Catalogs per connection, shared by its sessions: a read under way serves everyone who asks
 * meanwhile, and the newest read is what `current` gives.
 */
export function createMySqlCatalogs(
  read: (connection: ConnectionRecord) => Promise<UpstreamCatalog> = readMySqlCatalog,
) {
  const latest = new Map<string, UpstreamCatalog>();
  const reading = new Map<string, Promise<UpstreamCatalog>>();
  return (connection: ConnectionRecord): UpstreamCatalogAccess => ({
    current: () => latest.get(connection.connectionId) ?? null,
    refresh: () => {
      const id = connection.connectionId;
      const under = reading.get(id);
      if (under) return under;
      const next = read(connection).then((catalog) => {
        latest.set(id, catalog);
        return catalog;
      });
      reading.set(id, next);
      const done = () => reading.delete(id);
      next.then(done, done);
      return next;
    },
  });
}
