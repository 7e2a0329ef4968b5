import { readFileSync } from "node:fs";
import { storedIdpMetadata } from "@sluice/admin/saml-idp-config";
import { parseIdpMetadata } from "@sluice/identity/saml/saml-idp-metadata";
import type {
  SamlAttributeNames,
  SamlIdentityProvider,
  SamlServiceProvider,
} from "@sluice/identity/saml/saml-settings";
import { db } from "./db";
import { env } from "./env";

export type ConsoleSaml = {
  sp: SamlServiceProvider;
  idp: SamlIdentityProvider;
  attributes: SamlAttributeNames;
};

/** The browser-binding cookie of a SAML sign-in in flight (see packages/admin saml-sign-in). */
export const SAML_BINDING_COOKIE = "sluice_saml_binding";

/** IdP metadata is re-read this often, so a certificate rollover at the IdP is picked up. */
const METADATA_CACHE_MS = 5 * 60_000;
let cachedIdp: { idp: SamlIdentityProvider; url: string; readAt: number } | null = null;

/** SAML sign-in is offered when an IdP is known: stored by an admin, or the environment's URL. */
export async function isSamlConfigured(): Promise<boolean> {
  if (env().SAML_IDP_METADATA_URL) return true;
  return (await storedIdpMetadata(db())) !== null;
}

/** The console as an SP, from its public URL; its entity ID is its metadata URL. */
export function serviceProvider(): SamlServiceProvider | null {
  const config = env();
  if (!config.SAML_SP_KEY_FILE || !config.SAML_SP_CERT_FILE) return null;
  const signingKey = readFileSync(config.SAML_SP_KEY_FILE, "utf8");
  const signingCert = readFileSync(config.SAML_SP_CERT_FILE, "utf8");
  return {
    entityId: `${config.origin}/api/saml/metadata`,
    acsUrl: `${config.origin}/api/saml/acs`,
    sloUrl: `${config.origin}/api/saml/slo`,
    signingKey,
    signingCert,
    // One key pair for both: the metadata advertises it for encryption, so an IdP may encrypt.
    encryption: { key: signingKey, cert: signingCert },
  };
}

/** Everything a SAML exchange needs, or null when SAML is not configured. Throws when the IdP's metadata cannot be read. */
export async function consoleSaml(): Promise<ConsoleSaml | null> {
  const config = env();
  const sp = serviceProvider();
  if (!sp) return null;
  const attributes = {
    groups: config.SAML_GROUPS_ATTRIBUTE,
    email: config.SAML_EMAIL_ATTRIBUTE,
    name: config.SAML_NAME_ATTRIBUTE,
  };
  // Metadata an admin stored in the console wins over the environment's URL: it is read from the
  // store on every exchange, so a replaced IdP applies to the next sign-in.
  const stored = await storedIdpMetadata(db());
  if (stored) return { sp, idp: parseIdpMetadata(stored), attributes };
  if (!config.SAML_IDP_METADATA_URL) return null;
  const now = Date.now();
  if (
    !cachedIdp ||
    cachedIdp.url !== config.SAML_IDP_METADATA_URL ||
    now - cachedIdp.readAt > METADATA_CACHE_MS
  ) {
    const response = await fetch(config.SAML_IDP_METADATA_URL, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`the SAML IdP metadata answered ${response.status}`);
    cachedIdp = {
      idp: parseIdpMetadata(await response.text()),
      url: config.SAML_IDP_METADATA_URL,
      readAt: now,
    };
  }
  return { sp, idp: cachedIdp.idp, attributes };
}

/** A cookie's value from a Cookie header. */
export function cookieValue(header: string | null | undefined, name: string): string | null {
  for (const part of (header ?? "").split(/;\s*/)) {
    if (part.startsWith(`${name}=`)) return decodeURIComponent(part.slice(name.length + 1));
  }
  return null;
}
