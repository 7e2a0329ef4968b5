import type { Harness } from "./gateway-harness";
import type { RawClient } from "./raw-client";
import { rawLogin } from "./raw-login";

/** The brokered role's own login to the upstream database: the oracle side of a comparison. */
export type UpstreamLogin = { port: number; user: string; password: string; database: string };

/** Which way a side-by-side test reaches the database: straight to the server, or through Sluice. */
export type Side = "direct" | "gateway";

export function directLogin(harness: Harness): UpstreamLogin {
  const direct = new URL(harness.directUrl);
  return {
    port: Number(direct.port),
    user: decodeURIComponent(direct.username),
    password: decodeURIComponent(direct.password),
    database: direct.pathname.slice(1),
  };
}

/**
 * A raw session: through the gateway as the harness's agent (to `database`, its connection by
 * default), or straight to the server as the brokered role.
 */
export async function loginAs(
  harness: Harness,
  side: Side,
  database = harness.connectionName,
): Promise<RawClient> {
  if (side === "gateway") {
    return (await rawLogin(harness.port, harness.agent.name, harness.token, database)).client;
  }
  const direct = directLogin(harness);
  return (await rawLogin(direct.port, direct.user, direct.password, direct.database)).client;
}
