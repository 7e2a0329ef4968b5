import path from "node:path";
import { ensureSigningKeyPair } from "@sluice/identity/saml/saml-key-pair";
import { serviceProviderMetadata } from "@sluice/identity/saml/saml-sp-messages";
import type { Env } from "../env";
import type { DemoState } from "./demo";

export type ConsoleSamlSetup = {
  /** Environment for the console: the IdP's metadata URL and the console's own signing pair. */
  consoleEnv: Record<string, string>;
  /** The local IdP's metadata URL when `start` runs one, for the banner. */
  localMetadataUrl: string | null;
  stop: () => Promise<void>;
};

/**
 * SAML sign-in for the console: the organisation's IdP when SAML_IDP_METADATA_URL is set; otherwise,
 * with the demo, a local samlify IdP with the demo users (next to the local OpenID provider), so
 * SAML sign-in is real offline too. The console's signing key pair is generated once under
 * SLUICE_HOME unless SAML_SP_KEY_FILE/SAML_SP_CERT_FILE name one.
 */
export async function startSamlIdentityProvider(
  env: Env,
  consoleUrl: string,
  demo: DemoState | null,
): Promise<ConsoleSamlSetup | null> {
  if (!env.SAML_IDP_METADATA_URL && !demo) return null;
  const generated = path.join(env.SLUICE_HOME, "saml-sp");
  const keyFile = env.SAML_SP_KEY_FILE ?? path.join(generated, "signing.key");
  const certFile = env.SAML_SP_CERT_FILE ?? path.join(generated, "signing.crt");
  const spKeys = env.SAML_SP_KEY_FILE ? null : ensureSigningKeyPair(generated, "Sluice console SAML SP");
  const consoleEnv: Record<string, string> = {
    SAML_SP_KEY_FILE: keyFile,
    SAML_SP_CERT_FILE: certFile,
    ...(env.SAML_GROUPS_ATTRIBUTE ? { SAML_GROUPS_ATTRIBUTE: env.SAML_GROUPS_ATTRIBUTE } : {}),
  };
  if (env.SAML_IDP_METADATA_URL) {
    return {
      consoleEnv: { ...consoleEnv, SAML_IDP_METADATA_URL: env.SAML_IDP_METADATA_URL },
      localMetadataUrl: null,
      stop: async () => {},
    };
  }
  if (!demo || !spKeys) return null;
  const { startLocalSamlIdp } = await import("@sluice/identity/saml/local-saml-idp");
  const idp = await startLocalSamlIdp({
    host: "127.0.0.1",
    port: env.SLUICE_SAML_PORT,
    users: demo.users,
    signing: ensureSigningKeyPair(path.join(env.SLUICE_HOME, "local-saml-idp"), "Sluice local SAML IdP"),
    spMetadata: serviceProviderMetadata({
      entityId: `${consoleUrl}/api/saml/metadata`,
      acsUrl: `${consoleUrl}/api/saml/acs`,
      sloUrl: `${consoleUrl}/api/saml/slo`,
      signingKey: spKeys.key,
      signingCert: spKeys.cert,
      // As the console describes itself (apps/console server/saml.ts): the same pair encrypts.
      encryption: { key: spKeys.key, cert: spKeys.cert },
    }),
    log: (line) => console.error(`[sluice] ${line}`),
  });
  return {
    consoleEnv: { ...consoleEnv, SAML_IDP_METADATA_URL: idp.metadataUrl },
    localMetadataUrl: idp.metadataUrl,
    stop: idp.close,
  };
}
