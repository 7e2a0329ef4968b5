import {
  type CatalogRelationRow,
  catalogOf,
  SYSTEM_SCHEMAS,
  type UpstreamCatalog,
  type UpstreamCatalogAccess,
} from "@sluice/mysql-session/upstream-catalog";
import type { ViewColumnRow, ViewRow } from "@sluice/mysql-session/view-lineage";
import type { ConnectionRecord } from "@sluice/session/directory";
import mysql from "mysql2/promise";

/** Every relation the connection's login can see, system schemas included (they are classified). */
const RELATIONS_SQL =
  "SELECT TABLE_SCHEMA AS `schema`, TABLE_NAME AS `table`, TABLE_TYPE AS `type` FROM information_schema.TABLES";

const USER_SCHEMAS = `TABLE_SCHEMA NOT IN (${[...SYSTEM_SCHEMAS].map((schema) => `'${schema}'`).join(", ")})`;

/** Views' definitions (empty without SHOW VIEW: such a view is not traced, so masked whole). */
const VIEWS_SQL = `SELECT TABLE_SCHEMA AS \`schema\`, TABLE_NAME AS \`view\`, VIEW_DEFINITION AS \`definition\` FROM information_schema.VIEWS WHERE ${USER_SCHEMAS}`;

/** Views' column names in order, which the definition's outputs are lined up with. */
const VIEW_COLUMNS_SQL = `SELECT c.TABLE_SCHEMA AS \`schema\`, c.TABLE_NAME AS \`view\`, c.COLUMN_NAME AS \`column\`, c.ORDINAL_POSITION AS \`position\` FROM information_schema.COLUMNS c JOIN information_schema.VIEWS v ON v.TABLE_SCHEMA = c.TABLE_SCHEMA AND v.TABLE_NAME = c.TABLE_NAME WHERE c.${USER_SCHEMAS}`;

/** A side connection's login must not wait on a stalled server longer than a statement would. */
const CATALOG_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Reads the upstream's relations, and its views' definitions and columns, with the connection's
 * brokered credentials. The reads are not one snapshot: a view redefined between them may not
 * line up with its columns, and is then untraceable (masked whole) until the next read.
 */
export async function readMySqlCatalog(connection: ConnectionRecord): Promise<UpstreamCatalog> {
  const client = await mysql.createConnection({
    host: connection.host,
    port: connection.port,
    user: connection.user,
    password: connection.password ?? "",
    connectTimeout: CATALOG_CONNECT_TIMEOUT_MS,
  });
  try {
    const readAt = Date.now();
    const [rows] = await client.query(RELATIONS_SQL);
    const [views] = await client.query(VIEWS_SQL);
    const [columns] = await client.query(VIEW_COLUMNS_SQL);
    return catalogOf(rows as CatalogRelationRow[], readAt, views as ViewRow[], columns as ViewColumnRow[]);
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
