import { createHash, hash, randomBytes } from "node:crypto";
import type { ConnectionRecord } from "@sluice/session/directory";
import { MAX_POOL_KEY_CONNECTIONS } from "./limits";
import type { UpstreamLoginRequest } from "./upstream-logins";

/** Everything a backend's login used besides the client's startup settings; the password keyed. */
type LoginFields = readonly unknown[];

/**
 * Backends are shared only between sessions that would have logged in identically: same server,
 * role, password and TLS, and the same startup settings (DISCARD ALL returns to those). A changed
 * connection never gets a backend logged in with its old settings.
 *
 * The connection's part is hashed once per version of it, not per login: each login brings a new
 * record read from the store, so the last one hashed per connection is kept and compared field by
 * field (equal strings compare equal however they were read); any change is hashed again at once.
 * The password is kept and compared only as a digest keyed by a secret drawn for this process (the
 * secret, then the password, through SHA-256 in one call: under callgrind as cheap as comparing the
 * plaintext was, where an HMAC object added two thirds to the key's instructions per login), so no
 * plaintext stays in memory beyond the login that brought it, nor in the key the pool holds. What
 * is kept is bounded (`MAX_POOL_KEY_CONNECTIONS`, the connection used longest ago dropped first):
 * a deleted connection's entry goes once newer ones push it out. The startup settings, which
 * differ per client and are short, are written out beside it.
 */
export function createPoolKeys(
  maxConnections = MAX_POOL_KEY_CONNECTIONS,
): (request: UpstreamLoginRequest) => string {
  const passwordSecret = randomBytes(32).toString("base64");
  const hashed = new Map<string, { fields: LoginFields; digest: string }>();
  return ({ connection, startupParams }) => {
    const fields = loginFields(connection, passwordSecret);
    let login = hashed.get(connection.connectionId);
    if (!login || !isSame(login.fields, fields)) {
      login = { fields, digest: createHash("sha256").update(JSON.stringify(fields)).digest("base64") };
    }
    // Set again on every login: the map's order is then least recently used first.
    hashed.delete(connection.connectionId);
    hashed.set(connection.connectionId, login);
    if (hashed.size > maxConnections) hashed.delete(hashed.keys().next().value as string);
    const params = Object.entries(startupParams).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `${login.digest}:${JSON.stringify(params)}`;
  };
}

function loginFields(connection: ConnectionRecord, passwordSecret: string): LoginFields {
  return [
    connection.host,
    connection.port,
    connection.database,
    connection.user,
    connection.password === null ? null : hash("sha256", passwordSecret + connection.password, "base64"),
    connection.tlsMode,
    connection.tlsCaPem,
    connection.tlsServerName,
  ];
}

function isSame(kept: LoginFields, now: LoginFields): boolean {
  return kept.length === now.length && kept.every((value, index) => value === now[index]);
}
