import { describe, expect, it } from "vitest";
import { parseIdpMetadata } from "../src/saml/saml-idp-metadata";

const CERT = "MIIBszCCAVmgAwIBAgIUQk";
const metadata = (descriptor: string) =>
  `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://idp.example/saml">${descriptor}</md:EntityDescriptor>`;
const SIGNING = `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${CERT}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`;
const ENCRYPTION = `<md:KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>ENCRYPTONLY</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`;
const SSO = `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example/post"/><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example/sso"/>`;

describe("IdP metadata", () => {
  it("reads the entity ID, the redirect endpoints and only the signing certificates", () => {
    const idp = parseIdpMetadata(
      metadata(
        `<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">${SIGNING}${ENCRYPTION}${SSO}</md:IDPSSODescriptor>`,
      ),
    );
    expect(idp).toMatchObject({
      entityId: "https://idp.example/saml",
      ssoUrl: "https://idp.example/sso",
      sloUrl: null,
    });
    expect(idp.certificates).toEqual([`-----BEGIN CERTIFICATE-----\n${CERT}\n-----END CERTIFICATE-----\n`]);
  });

  it("refuses metadata without a signing certificate, naming what is missing", () => {
    expect(() =>
      parseIdpMetadata(metadata(`<md:IDPSSODescriptor>${ENCRYPTION}${SSO}</md:IDPSSODescriptor>`)),
    ).toThrow("no signing certificate");
  });

  it("refuses metadata without an HTTP-Redirect sign-in endpoint", () => {
    expect(() => parseIdpMetadata(metadata(`<md:IDPSSODescriptor>${SIGNING}</md:IDPSSODescriptor>`))).toThrow(
      "no HTTP-Redirect SingleSignOnService",
    );
  });

  it("refuses metadata with a DOCTYPE", () => {
    expect(() =>
      parseIdpMetadata(`<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${metadata("")}`),
    ).toThrow("not valid XML");
  });
});
