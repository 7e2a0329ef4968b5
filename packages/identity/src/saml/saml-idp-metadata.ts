import { SAML_BINDINGS, SAML_NS, type SamlIdentityProvider } from "./saml-settings";
import { childElements, parseSamlXml, SamlRejection, textOf } from "./saml-xml";

/**
 * Reads what the console needs from an IdP's SAML metadata: its entity ID, the HTTP-Redirect
 * sign-in and logout endpoints, and the certificates that may sign assertions. Metadata without a
 * signing certificate or a redirect SSO endpoint is refused with the missing part named.
 */
export function parseIdpMetadata(xml: string): SamlIdentityProvider {
  let doc: Document;
  try {
    doc = parseSamlXml(xml);
  } catch (error) {
    throw new Error(`the IdP metadata is not valid XML (${(error as Error).message})`);
  }
  const root = doc.documentElement as Element;
  const descriptor = root.localName === "EntityDescriptor" ? root : null;
  if (!descriptor || descriptor.namespaceURI !== SAML_NS.metadata) {
    throw new Error("the IdP metadata must be one md:EntityDescriptor");
  }
  const entityId = descriptor.getAttribute("entityID");
  if (!entityId) throw new Error("the IdP metadata has no entityID");
  const idp = childElements(descriptor, SAML_NS.metadata, "IDPSSODescriptor")[0];
  if (!idp) throw new Error("the IdP metadata has no IDPSSODescriptor");
  const certificates = childElements(idp, SAML_NS.metadata, "KeyDescriptor")
    .filter((key) => (key.getAttribute("use") ?? "signing") === "signing" || key.getAttribute("use") === "")
    .flatMap((key) => Array.from(key.getElementsByTagNameNS(SAML_NS.signature, "X509Certificate")))
    .map((certificate) => toPem(textOf(certificate as Element)));
  if (certificates.length === 0) throw new Error("the IdP metadata has no signing certificate");
  const redirect = (name: string) =>
    childElements(idp, SAML_NS.metadata, name)
      .find((service) => service.getAttribute("Binding") === SAML_BINDINGS.redirect)
      ?.getAttribute("Location") ?? null;
  const ssoUrl = redirect("SingleSignOnService");
  if (!ssoUrl) throw new Error("the IdP metadata has no HTTP-Redirect SingleSignOnService");
  return { entityId, ssoUrl, sloUrl: redirect("SingleLogoutService"), certificates };
}

function toPem(base64: string): string {
  const body = base64.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/=]+$/.test(body)) throw new SamlRejection("malformed", "a certificate is not base64");
  return `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)?.join("\n")}\n-----END CERTIFICATE-----\n`;
}
