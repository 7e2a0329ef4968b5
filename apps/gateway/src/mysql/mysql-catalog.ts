import net from "node:net";
import {
  type CatalogRelationRow,
  catalogOf,
  type UpstreamCatalog,
  type UpstreamCatalogAccess,
} from "@sluice/mysql-session/upstream-catalog";
import { isTlsRequired } from "@sluice/mysql-session/upstream-tls";
import type { ViewColumnRow, ViewRow } from "@sluice/mysql-session/view-lineage";
import type { ColumnCodeRow, TriggerRow } from "@sluice/mysql-session/write-code";
import { ed25519PasswordSignature } from "@sluice/secrets/mysql-ed25519";
import type { ConnectionRecord } from "@sluice/session/directory";
import mysql from "mysql2/promise";
import {
  CATALOG_FINGERPRINT_SQL,
  COLUMN_CODE_FILTER,
  sharedFromNow,
  userSchemasIn,
} from "./catalog-fingerprint";

/** Every relation the connection's login can see, system schemas included (they are classified). */
const RELATIONS_SQL =
  "SELECT TABLE_SCHEMA AS `schema`, TABLE_NAME AS `table`, TABLE_TYPE AS `type` FROM information_schema.TABLES";

const USER_SCHEMAS = userSchemasIn("TABLE_SCHEMA");

/** Views' definitions (empty without SHOW VIEW: such a view is not traced, so masked whole). */
const VIEWS_SQL = `SELECT TABLE_SCHEMA AS \`schema\`, TABLE_NAME AS \`view\`, VIEW_DEFINITION AS \`definition\` FROM information_schema.VIEWS WHERE ${USER_SCHEMAS}`;

/** Views' column names in order, which the definition's outputs are lined up with. */
const VIEW_COLUMNS_SQL = `SELECT c.TABLE_SCHEMA AS \`schema\`, c.TABLE_NAME AS \`view\`, c.COLUMN_NAME AS \`column\`, c.ORDINAL_POSITION AS \`position\` FROM information_schema.COLUMNS c JOIN information_schema.VIEWS v ON v.TABLE_SCHEMA = c.TABLE_SCHEMA AND v.TABLE_NAME = c.TABLE_NAME WHERE c.${USER_SCHEMAS}`;

/** Triggers with their bodies: the owner's code a write runs (judged on connections with masking). */
const TRIGGERS_SQL = `SELECT TRIGGER_SCHEMA AS \`schema\`, TRIGGER_NAME AS \`trigger\`, EVENT_OBJECT_TABLE AS \`table\`, ACTION_TIMING AS \`timing\`, EVENT_MANIPULATION AS \`event\`, ACTION_STATEMENT AS \`body\`, SQL_MODE AS \`sqlMode\` FROM information_schema.TRIGGERS WHERE ${userSchemasIn("TRIGGER_SCHEMA")}`;

/** Columns whose value the server computes on a write: generated, a DEFAULT other than NULL, ON UPDATE. */
const COLUMN_CODE_SQL = `SELECT TABLE_SCHEMA AS \`schema\`, TABLE_NAME AS \`table\`, COLUMN_NAME AS \`column\`, COLUMN_DEFAULT AS \`defaultValue\`, GENERATION_EXPRESSION AS \`generation\`, EXTRA AS \`extra\` FROM information_schema.COLUMNS WHERE ${USER_SCHEMAS} AND ${COLUMN_CODE_FILTER}`;

/** A side connection's login must not wait on a stalled server longer than a statement would. */
const CATALOG_CONNECT_TIMEOUT_MS = 10_000;
/** A catalog side connection idle this long is closed (an active masked session keeps it open). */
const CATALOG_IDLE_MS = 5_000;
/** Reads the catalog moved under before a read is given up (the catalog is then unknown: all masked). */
const MAX_CATALOG_READS = 3;

type Queryable = Pick<mysql.Pool, "query">;

async function fingerprintOf(client: Queryable): Promise<string> {
  const [rows] = await client.query(CATALOG_FINGERPRINT_SQL);
  return String((rows as Array<{ fingerprint: string }>)[0]?.fingerprint);
}

/**
 * Reads the upstream's relations, its views' definitions and columns, and the code its writes run
 * (triggers, computed columns), as one consistent
 * picture. information_schema is not transactional (a consistent-snapshot transaction does not
 * cover it), so the reads are bracketed by the catalog's fingerprint and repeated when it moved
 * between them: a view redefined mid-read is never paired with the other definition's columns.
 */
export async function readMySqlCatalog(client: Queryable): Promise<UpstreamCatalog> {
  for (let attempt = 1; attempt <= MAX_CATALOG_READS; attempt++) {
    const readAt = Date.now();
    const before = await fingerprintOf(client);
    const [rows] = await client.query(RELATIONS_SQL);
    const [views] = await client.query(VIEWS_SQL);
    const [columns] = await client.query(VIEW_COLUMNS_SQL);
    const [triggers] = await client.query(TRIGGERS_SQL);
    const [columnCode] = await client.query(COLUMN_CODE_SQL);
    if ((await fingerprintOf(client)) !== before) continue;
    const catalog = catalogOf(
      rows as CatalogRelationRow[],
      readAt,
      views as ViewRow[],
      columns as ViewColumnRow[],
      {
        triggers: triggers as TriggerRow[],
        columns: columnCode as ColumnCodeRow[],
      },
    );
    return { ...catalog, fingerprint: before };
  }
  throw new Error(`the upstream catalog changed during each of ${MAX_CATALOG_READS} reads`);
}

/** The side connections a connection's catalog work shares, with its brokered credentials. */
function catalogPool(connection: ConnectionRecord): mysql.Pool {
  return mysql.createPool({
    ...catalogAddress(connection),
    user: connection.user,
    password: connection.password ?? "",
    // mysql2 speaks native and caching_sha2 itself; MariaDB's ed25519 is answered as the session's
    // own login answers it (the nonce as sent, 32 bytes).
    authPlugins: {
      client_ed25519: () => (nonce: Buffer) =>
        ed25519PasswordSignature(connection.password ?? "", nonce.subarray(0, 32)),
    },
    connectTimeout: CATALOG_CONNECT_TIMEOUT_MS,
    ...catalogTls(connection),
    connectionLimit: 2,
    maxIdle: 0,
    idleTimeout: CATALOG_IDLE_MS,
  });
}

/**
 * Where the side connection goes. mysql2 checks the certificate against `host` (and sends it as
 * SNI), so a VERIFY_FULL connection with a `tlsServerName` gives that name as `host` and opens the
 * socket to the real address itself: the name is checked as the session's own login checks it
 * (upstream-tls.ts), before any credential is sent. A server name that is an IP address cannot go
 * that way (mysql2 checks an IP host against the socket's address): the side connection then checks
 * the connection's host, as the session does when no name is set.
 */
function catalogAddress(connection: ConnectionRecord): Pick<mysql.PoolOptions, "host" | "port" | "stream"> {
  const name = connection.tlsServerName;
  if (connection.tlsMode !== "VERIFY_FULL" || !name || net.isIP(name) || name === connection.host)
    return { host: connection.host, port: connection.port };
  return { host: name, port: connection.port, stream: () => net.connect(connection.port, connection.host) };
}

/**
 * The side connection honours the connection's TLS as the session does. PREFER stays in clear
 * (mysql2 cannot fall back), where the password crosses only as a scramble answer.
 */
function catalogTls(connection: ConnectionRecord): { ssl?: mysql.SslOptions } {
  if (!isTlsRequired(connection.tlsMode)) return {};
  const verify = connection.tlsMode !== "REQUIRE";
  return {
    ssl: {
      ...(connection.tlsCaPem ? { ca: connection.tlsCaPem } : {}),
      rejectUnauthorized: verify,
      verifyIdentity: connection.tlsMode === "VERIFY_FULL",
    },
  };
}

/**
 * Catalogs per connection, shared by its sessions: a read under way serves everyone who asks
 * meanwhile, and the newest read is what `current` gives. `isCurrent` compares a catalog's
 * fingerprint with the upstream's now (one round trip, shared by statements that ask together):
 * a table replaced by a view from anywhere is seen by the very next masked statement.
 */
export function createMySqlCatalogs(
  read: (client: Queryable) => Promise<UpstreamCatalog> = readMySqlCatalog,
) {
  const latest = new Map<string, UpstreamCatalog>();
  const reading = new Map<string, Promise<UpstreamCatalog>>();
  const sides = new Map<string, { pool: mysql.Pool; fingerprint: () => Promise<string> }>();
  const sideOf = (connection: ConnectionRecord) => {
    // Credentials, address or TLS edited in the console: a new pool (the old one closes when idle).
    const key = [
      connection.connectionId,
      connection.host,
      connection.port,
      connection.user,
      connection.password,
      connection.tlsMode,
      connection.tlsServerName,
      connection.tlsCaPem,
    ].join("\0");
    let side = sides.get(key);
    if (!side) {
      const pool = catalogPool(connection);
      side = { pool, fingerprint: sharedFromNow(() => fingerprintOf(pool)) };
      sides.set(key, side);
    }
    return side;
  };
  return (connection: ConnectionRecord): UpstreamCatalogAccess => ({
    current: () => latest.get(connection.connectionId) ?? null,
    isCurrent: async (catalog) =>
      catalog.fingerprint !== undefined && (await sideOf(connection).fingerprint()) === catalog.fingerprint,
    refresh: () => {
      const id = connection.connectionId;
      const under = reading.get(id);
      if (under) return under;
      const next = read(sideOf(connection).pool).then((catalog) => {
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
