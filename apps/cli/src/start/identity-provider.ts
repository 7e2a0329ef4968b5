import path from "node:path";
import {
  DEMO_WORKLOAD_AUDIENCE,
  DEMO_WORKLOAD_CLIENT,
  DEMO_WORKLOAD_GROUPS,
} from "@sluice/db/demo/demo-workload";
import { loadIdpMaterial } from "@sluice/identity/idp-material";
import type { Env } from "../env";
import type { DemoState } from "./demo";

export type ConsoleOidc = {
  issuer: string;
  clientId: string;
  clientSecret: string;
  stop: () => Promise<void>;
};

/** The console's client id at the local provider. */
const LOCAL_CLIENT_ID = "sluice-console";

/**
 * Where the console signs people in: the organisation's IdP when OIDC_ISSUER is set; otherwise a
 * local OpenID provider with the demo users, so sign-in is real OIDC even offline.
 */
export async function startIdentityProvider(
  env: Env,
  consoleUrl: string,
  demo: DemoState | null,
): Promise<ConsoleOidc> {
  if (env.OIDC_ISSUER) {
    return {
      issuer: env.OIDC_ISSUER,
      clientId: env.OIDC_CLIENT_ID ?? "",
      clientSecret: env.OIDC_CLIENT_SECRET ?? "",
      stop: async () => {},
    };
  }
  if (!demo) {
    throw new Error(
      "nobody could sign in to the console: set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET for your identity provider, or start without SLUICE_NO_DEMO to get the local one with demo users",
    );
  }
  // Imported only when needed: oidc-provider prints a runtime warning on load.
  const { startLocalIdp } = await import("@sluice/identity/local-idp");
  const idp = await startLocalIdp({
    host: "127.0.0.1",
    port: env.SLUICE_OIDC_PORT,
    users: demo.users,
    material: loadIdpMaterial(path.join(env.SLUICE_HOME, "local-idp.json")),
    client: {
      clientId: LOCAL_CLIENT_ID,
      redirectUris: [`${consoleUrl}/api/auth/callback/oidc`],
      postLogoutRedirectUris: [`${consoleUrl}/sign-in`],
    },
    // The demo workload agent's tokens: client credentials of this client, for the gateway's audience.
    ...(demo.workloadClientSecret
      ? {
          workloadClients: [
            {
              clientId: DEMO_WORKLOAD_CLIENT,
              clientSecret: demo.workloadClientSecret,
              audience: DEMO_WORKLOAD_AUDIENCE,
              groups: [...DEMO_WORKLOAD_GROUPS],
            },
          ],
        }
      : {}),
  });
  return { issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, stop: idp.close };
}
