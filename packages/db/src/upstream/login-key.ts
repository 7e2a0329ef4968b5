import { createHash } from "node:crypto";
import type { UpstreamLogin } from "./pg-client-config";

/**
 * A key for side connections kept per upstream login: everything the login uses, the password
 * only as a digest. A changed brokered password gets connections of its own; the old ones drain.
 * Keys start with `connectionId:`, so the stale ones of a connection can be found.
 */
export function upstreamLoginKey(connectionId: string, login: UpstreamLogin): string {
  const digest = createHash("sha256")
    .update(
      JSON.stringify([
        login.host,
        login.port,
        login.database,
        login.user,
        login.password,
        login.tlsMode,
        login.tlsCaPem,
        login.tlsServerName,
      ]),
    )
    .digest("hex");
  return `${connectionId}:${digest}`;
}
