import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { SamlLib } from "samlify";
import { buildLoginResponseXml } from "../src/saml/login-response-template";
import { ensureSigningKeyPair, type SigningKeyPair } from "../src/saml/saml-key-pair";
import type { SamlIdentityProvider, SamlServiceProvider } from "../src/saml/saml-settings";

/** Signing material and peers for crafting responses the way an IdP (or an attacker) would. */
export function samlPeers() {
  const dir = mkdtempSync(path.join(tmpdir(), "sluice-saml-test-"));
  const idpKeys = ensureSigningKeyPair(path.join(dir, "idp"), "test idp");
  const spKeys = ensureSigningKeyPair(path.join(dir, "sp"), "test sp");
  const strangerKeys = ensureSigningKeyPair(path.join(dir, "stranger"), "test idp");
  const sp: SamlServiceProvider = {
    entityId: "http://localhost:3280/api/saml/metadata",
    acsUrl: "http://localhost:3280/api/saml/acs",
    sloUrl: "http://localhost:3280/api/saml/slo",
    signingKey: spKeys.key,
    signingCert: spKeys.cert,
  };
  const idp: SamlIdentityProvider = {
    entityId: "http://127.0.0.1:40801/metadata",
    ssoUrl: "http://127.0.0.1:40801/sso",
    sloUrl: "http://127.0.0.1:40801/slo",
    certificates: [idpKeys.cert],
  };
  return { dir, idpKeys, spKeys, strangerKeys, sp, idp };
}

export const ADMIN = {
  email: "admin@sluice.local",
  name: "Ada Admin",
  groups: ["sluice-admins", "finance-leads"],
  password: "unused",
};

/** An unsigned response as the local IdP would issue it, for `edit` to change before signing. */
export function responseXml(
  peers: ReturnType<typeof samlPeers>,
  options: { inResponseTo?: string; user?: typeof ADMIN } = {},
): string {
  return buildLoginResponseXml(SamlLib.defaultLoginResponseTemplate.context as string, {
    idpEntityId: peers.idp.entityId,
    spEntityId: peers.sp.entityId,
    acsUrl: peers.sp.acsUrl,
    inResponseTo: options.inResponseTo ?? "_request1",
    user: options.user ?? ADMIN,
    sessionIndex: "_session1",
  }).context;
}

/** Signs the response's assertion (enveloped, after its Issuer), as samlify does for a real IdP. */
export function signAssertion(xml: string, keys: SigningKeyPair): string {
  return SamlLib.constructSAMLSignature({
    rawSamlMessage: xml,
    referenceTagXPath: "/*[local-name(.)='Response']/*[local-name(.)='Assertion']",
    privateKey: keys.key,
    signingCert: keys.cert.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, ""),
    signatureAlgorithm: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    isBase64Output: false,
    signatureConfig: {
      prefix: "ds",
      location: {
        reference: "/*[local-name(.)='Response']/*[local-name(.)='Assertion']/*[local-name(.)='Issuer']",
        action: "after",
      },
    },
  } as never) as string;
}

export const base64 = (xml: string) => Buffer.from(xml, "utf8").toString("base64");
