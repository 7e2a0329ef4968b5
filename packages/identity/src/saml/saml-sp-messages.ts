import { randomBytes } from "node:crypto";
import { SAML, ValidateInResponseTo } from "@node-saml/node-saml";
import {
  SAML_BINDINGS,
  SAML_CLOCK_SKEW_MS,
  SAML_NS,
  type SamlIdentityProvider,
  type SamlServiceProvider,
} from "./saml-settings";

/** What the SP must keep about a signed-in person to ask the IdP to end their session. */
export type SamlSessionReference = {
  nameId: string;
  nameIdFormat: string | null;
  sessionIndex: string | null;
};

/** A fresh SAML message ID: an NCName (starts with a letter or underscore), 160 random bits. */
export function newSamlId(): string {
  return `_${randomBytes(20).toString("hex")}`;
}

/** node-saml configured as the console SP talking to this IdP (signing with the SP key). */
export function samlClient(sp: SamlServiceProvider, idp: SamlIdentityProvider, id?: string): SAML {
  return new SAML({
    idpCert: idp.certificates,
    issuer: sp.entityId,
    callbackUrl: sp.acsUrl,
    logoutCallbackUrl: sp.sloUrl,
    entryPoint: idp.ssoUrl,
    logoutUrl: idp.sloUrl ?? idp.ssoUrl,
    idpIssuer: idp.entityId,
    audience: sp.entityId,
    privateKey: sp.signingKey,
    publicCert: sp.signingCert,
    signatureAlgorithm: "sha256",
    identifierFormat: null,
    disableRequestedAuthnContext: true,
    validateInResponseTo: ValidateInResponseTo.never,
    acceptedClockSkewMs: SAML_CLOCK_SKEW_MS,
    ...(id ? { generateUniqueId: () => id } : {}),
  });
}

/** The IdP URL (HTTP-Redirect binding, signed) that starts a sign-in answering request `id`. */
export async function authnRequestUrl(
  sp: SamlServiceProvider,
  idp: SamlIdentityProvider,
  id: string,
): Promise<string> {
  return samlClient(sp, idp, id).getAuthorizeUrlAsync("", undefined, {});
}

/** The IdP URL (HTTP-Redirect binding, signed) that ends the person's IdP session, or null without SLO. */
export async function logoutRequestUrl(
  sp: SamlServiceProvider,
  idp: SamlIdentityProvider,
  session: SamlSessionReference,
): Promise<string | null> {
  if (!idp.sloUrl) return null;
  return samlClient(sp, idp, newSamlId()).getLogoutUrlAsync(
    {
      issuer: idp.entityId,
      nameID: session.nameId,
      nameIDFormat: session.nameIdFormat ?? "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
      ...(session.sessionIndex ? { sessionIndex: session.sessionIndex } : {}),
    },
    "",
    {},
  );
}

/**
 * Checks the IdP's LogoutResponse (HTTP-Redirect) for display only: the console session is already
 * gone when it arrives, so a forged one can at most show the wrong sentence.
 */
export async function isSuccessfulLogoutResponse(
  sp: SamlServiceProvider,
  idp: SamlIdentityProvider,
  query: URLSearchParams,
  rawQuery: string,
): Promise<boolean> {
  const container = Object.fromEntries(query) as Record<string, string>;
  if (!container.SAMLResponse || !container.Signature) return false;
  try {
    const result = await samlClient(sp, idp).validateRedirectAsync(container, rawQuery);
    return result.loggedOut === true;
  } catch {
    return false;
  }
}

/**
 * The SP metadata document an IdP administrator loads to trust the console: signed requests (with
 * the certificate to check them), signed assertions wanted, the key to encrypt them to when the SP
 * has one, the ACS for HTTP-POST and single logout answered over HTTP-Redirect.
 */
export function serviceProviderMetadata(sp: SamlServiceProvider): string {
  const certificate = pemBody(sp.signingCert);
  const attr = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
  return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="${SAML_NS.metadata}" xmlns:ds="${SAML_NS.signature}" entityID="${attr(sp.entityId)}">
  <md:SPSSODescriptor protocolSupportEnumeration="${SAML_NS.protocol}" AuthnRequestsSigned="true" WantAssertionsSigned="true">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certificate}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
${sp.encryption ? `    <md:KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${pemBody(sp.encryption.cert)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>\n` : ""}    <md:SingleLogoutService Binding="${SAML_BINDINGS.redirect}" Location="${attr(sp.sloUrl)}"/>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:AssertionConsumerService index="0" isDefault="true" Binding="${SAML_BINDINGS.post}" Location="${attr(sp.acsUrl)}"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
`;
}

/** A PEM certificate's base64 body, as metadata's X509Certificate holds it. */
function pemBody(pem: string): string {
  return pem.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, "");
}
