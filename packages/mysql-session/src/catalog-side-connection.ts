import net from "node:net";
import { ed25519PasswordSignature } from "@sluice/secrets/mysql-ed25519";
import type { ConnectionRecord } from "@sluice/session/directory";
import { isTlsRequired } from "./upstream-tls";

/** A side connection's login must not wait on a stalled server longer than a statement would. */
export const CATALOG_CONNECT_TIMEOUT_MS = 10_000;

/** The connection fields a catalog side connection logs in with. */
export type CatalogLogin = Pick<
  ConnectionRecord,
  "host" | "port" | "user" | "password" | "tlsMode" | "tlsServerName" | "tlsCaPem"
>;

/**
 * mysql2's options for a catalog side connection (the gateway's pooled ones, the console's try
 * box's one): the brokered credentials, the connection's TLS, and MariaDB's ed25519 answered as the
 * session's own login answers it.
 */
export function catalogConnectionOptions(connection: CatalogLogin) {
  return {
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
  };
}

/**
 * Where the side connection goes. mysql2 checks the certificate against `host` (and sends it as
 * SNI), so a VERIFY_FULL connection with a `tlsServerName` gives that name as `host` and opens the
 * socket to the real address itself: the name is checked as the session's own login checks it
 * (upstream-tls.ts), before any credential is sent. A server name that is an IP address cannot go
 * that way (mysql2 checks an IP host against the socket's address): the side connection then checks
 * the connection's host, as the session does when no name is set.
 */
function catalogAddress(connection: CatalogLogin): { host: string; port: number; stream?: () => net.Socket } {
  const name = connection.tlsServerName;
  if (connection.tlsMode !== "VERIFY_FULL" || !name || net.isIP(name) || name === connection.host)
    return { host: connection.host, port: connection.port };
  return { host: name, port: connection.port, stream: () => net.connect(connection.port, connection.host) };
}

/**
 * The side connection honours the connection's TLS as the session does. PREFER stays in clear
 * (mysql2 cannot fall back), where the password crosses only as a scramble answer.
 */
function catalogTls(connection: CatalogLogin): {
  ssl?: { ca?: string; rejectUnauthorized: boolean; verifyIdentity: boolean };
} {
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
