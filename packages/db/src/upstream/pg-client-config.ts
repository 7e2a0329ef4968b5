import type { ClientConfig } from "pg";

export type UpstreamLogin = {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string | null;
  tlsMode: "DISABLE" | "PREFER" | "REQUIRE" | "VERIFY_CA" | "VERIFY_FULL";
  tlsCaPem: string | null;
  tlsServerName?: string | null;
};

/** How long Sluice's own side connections (catalog reads, connection tests) wait for an upstream. */
export const UPSTREAM_SIDE_CONNECT_MS = 10_000;

/**
 * node-postgres settings for Sluice's own connections to an upstream with brokered credentials,
 * honouring the connection's TLS mode the way libpq's sslmode does (PREFER is treated as REQUIRE
 * without verification, since node-postgres cannot fall back to plaintext).
 */
export function pgClientConfig(login: UpstreamLogin, applicationName: string): ClientConfig {
  const verify = login.tlsMode === "VERIFY_CA" || login.tlsMode === "VERIFY_FULL";
  return {
    host: login.host,
    port: login.port,
    database: login.database,
    user: login.user,
    password: login.password ?? undefined,
    application_name: applicationName,
    connectionTimeoutMillis: UPSTREAM_SIDE_CONNECT_MS,
    ssl:
      login.tlsMode === "DISABLE"
        ? false
        : {
            rejectUnauthorized: verify,
            ca: login.tlsCaPem ?? undefined,
            ...(login.tlsServerName ? { servername: login.tlsServerName } : {}),
            ...(login.tlsMode === "VERIFY_CA" ? { checkServerIdentity: () => undefined } : {}),
          },
  };
}

/**
 * For Sluice's own reads of an upstream's catalog: search_path pinned to pg_catalog by a startup
 * option, which outranks `ALTER ROLE/DATABASE … SET search_path`. Unqualified catalog names and
 * operators resolve in pg_catalog first only while the path does not name it, so a default of
 * `evil, pg_catalog` would put a look-alike `evil.pg_attribute` ahead of the real one and let
 * whoever may set that default rename the columns masking rules name.
 */
export function pgCatalogReaderConfig(login: UpstreamLogin, applicationName: string): ClientConfig {
  return { ...pgClientConfig(login, applicationName), options: CATALOG_READER_OPTIONS };
}

/**
 * The settings a role default could use to make every catalog read fail (`ALTER ROLE CURRENT_USER
 * SET statement_timeout = 1` needs no privilege), pinned too: a statement that needed a fresh read
 * is refused when it fails, so failing reads would refuse the connection's statements. Only
 * settings every supported server knows: an unknown one fails the login.
 */
const CATALOG_READER_OPTIONS = [
  "search_path=pg_catalog",
  "statement_timeout=30s",
  "lock_timeout=0",
  "idle_in_transaction_session_timeout=0",
]
  .map((setting) => `-c ${setting}`)
  .join(" ");
