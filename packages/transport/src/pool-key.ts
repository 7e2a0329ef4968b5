import { createHash } from "node:crypto";
import type { ConnectionRecord } from "@sluice/session/directory";
import type { UpstreamLoginRequest } from "./upstream-logins";

/** Everything a backend's login used besides the client's startup settings. */
type LoginFields = readonly unknown[];

/**
 * Backends are shared only between sessions that would have logged in identically: same server,
 * role, password and TLS, and the same startup settings (DISCARD ALL returns to those). A changed
 * connection never gets a backend logged in with its old settings.
 *
 * The connection's part is hashed once per version of it, not per login: each login brings a new
 * record read from the store, so the last one hashed per connection is kept and compared field by
 * field (equal strings compare equal however they were read); any change is hashed again at once.
 * The digest keeps the password out of the key the pool holds. The startup settings, which differ
 * per client and are short, are written out beside it.
 */
export function createPoolKeys(): (request: UpstreamLoginRequest) => string {
  const hashed = new Map<string, { fields: LoginFields; digest: string }>();
  return ({ connection, startupParams }) => {
    const fields = loginFields(connection);
    let login = hashed.get(connection.connectionId);
    if (!login || !isSame(login.fields, fields)) {
      login = { fields, digest: createHash("sha256").update(JSON.stringify(fields)).digest("base64") };
      hashed.set(connection.connectionId, login);
    }
    const params = Object.entries(startupParams).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `${login.digest}:${JSON.stringify(params)}`;
  };
}

function loginFields(connection: ConnectionRecord): LoginFields {
  return [
    connection.host,
    connection.port,
    connection.database,
    connection.user,
    connection.password,
    connection.tlsMode,
    connection.tlsCaPem,
    connection.tlsServerName,
  ];
}

function isSame(kept: LoginFields, now: LoginFields): boolean {
  return kept.length === now.length && kept.every((value, index) => value === now[index]);
}
