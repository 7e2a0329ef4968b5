import { beforeAll, describe, expect, it } from "vitest";
import { verifySamlResponse } from "../src/saml/saml-response";
import { DEFAULT_SAML_ATTRIBUTES } from "../src/saml/saml-settings";
import { SamlRejection, type SamlRejectionReason } from "../src/saml/saml-xml";
import { ADMIN, base64, responseXml, samlPeers, signAssertion } from "./saml-fixtures";

let peers: ReturnType<typeof samlPeers>;
beforeAll(() => {
  peers = samlPeers();
});

const verify = (xml: string, now?: Date) =>
  verifySamlResponse({
    sp: peers.sp,
    idp: peers.idp,
    attributes: DEFAULT_SAML_ATTRIBUTES,
    samlResponse: base64(xml),
    ...(now ? { now } : {}),
  });

async function expectRejected(xml: string, reason: SamlRejectionReason, now?: Date) {
  const error = await verify(xml, now).then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error, `expected a ${reason} rejection`).toBeInstanceOf(SamlRejection);
  expect((error as SamlRejection).reason).toBe(reason);
}

/** A response from the trusted IdP with `edit` applied before signing: a well-signed lie. */
const signedWith = (edit: (xml: string) => string) => signAssertion(edit(responseXml(peers)), peers.idpKeys);

const shift = (xml: string, attribute: string, at: Date) =>
  xml.replace(new RegExp(`${attribute}="[^"]+"`, "g"), `${attribute}="${at.toISOString()}"`);

describe("a SAML response from the IdP", () => {
  it("is accepted when signed by the IdP and addressed to this console", async () => {
    const verified = await verify(signedWith((xml) => xml));
    expect(verified).toMatchObject({
      issuer: peers.idp.entityId,
      inResponseTo: "_request1",
      nameId: ADMIN.email,
      email: ADMIN.email,
      name: ADMIN.name,
      groups: ADMIN.groups,
      sessionIndex: "_session1",
    });
    expect(verified.assertionId).toMatch(/^_[0-9a-f]{40}$/);
  });

  it("is refused unsigned", async () => {
    await expectRejected(responseXml(peers), "unsigned");
  });

  it("is refused when a signed value was changed afterwards", async () => {
    const signed = signedWith((xml) => xml);
    await expectRejected(
      signed.replace("sluice-admins</saml:AttributeValue>", "sluice-adminz</saml:AttributeValue>"),
      "bad-signature",
    );
  });

  it("is refused when signed by a key the IdP's metadata does not list", async () => {
    await expectRejected(signAssertion(responseXml(peers), peers.strangerKeys), "bad-signature");
  });

  it("is refused for another audience", async () => {
    await expectRejected(
      signedWith((xml) => xml.replace(peers.sp.entityId, "https://other.example/sp")),
      "wrong-audience",
    );
  });

  it("is refused when addressed (Destination) to another endpoint", async () => {
    await expectRejected(
      signedWith((xml) =>
        xml.replace(`Destination="${peers.sp.acsUrl}"`, 'Destination="https://other.example/acs"'),
      ),
      "wrong-destination",
    );
  });

  it("is refused when its bearer confirmation names another Recipient", async () => {
    await expectRejected(
      signedWith((xml) =>
        xml.replace(`Recipient="${peers.sp.acsUrl}"`, 'Recipient="https://other.example/acs"'),
      ),
      "wrong-recipient",
    );
  });

  it("is refused from another issuer, even signed with the trusted key", async () => {
    await expectRejected(
      signedWith((xml) => xml.replaceAll(peers.idp.entityId, "https://evil.example/idp")),
      "wrong-issuer",
    );
  });

  it("is refused once expired", async () => {
    const past = new Date(Date.now() - 20 * 60_000);
    await expectRejected(
      signedWith((xml) =>
        shift(shift(shift(xml, "NotOnOrAfter", past), "NotBefore", past), "IssueInstant", past),
      ),
      "expired",
    );
  });

  it("is refused when it was valid but the clock has moved past it", async () => {
    await expectRejected(
      signedWith((xml) => xml),
      "expired",
      new Date(Date.now() + 30 * 60_000),
    );
  });

  it("is refused before NotBefore", async () => {
    const future = new Date(Date.now() + 10 * 60_000);
    await expectRejected(
      signedWith((xml) => xml.replace(/NotBefore="[^"]+"/, `NotBefore="${future.toISOString()}"`)),
      "not-yet-valid",
    );
  });

  it("is refused when it answers no request (IdP-initiated)", async () => {
    await expectRejected(
      signedWith((xml) => xml.replaceAll(' InResponseTo="_request1"', "")),
      "unsolicited",
    );
  });

  it("is refused when the assertion answers another request than the response", async () => {
    const signed = signedWith((xml) => xml);
    await expectRejected(
      signed.replace('InResponseTo="_request1"', 'InResponseTo="_request2"'),
      "unsolicited",
    );
  });

  it("is refused when the IdP reports a failure status", async () => {
    await expectRejected(
      signedWith((xml) => xml.replace("status:Success", "status:Requester")),
      "failed-status",
    );
  });

  it("is refused with a DOCTYPE (entity expansion)", async () => {
    const signed = signedWith((xml) => xml);
    await expectRejected(`<!DOCTYPE r [<!ENTITY a "aaaa">]>${signed}`, "malformed");
  });

  it("reads a NameID split by a comment as the whole signed text, never its first part", async () => {
    const user = { ...ADMIN, email: "admin@sluice.local.evil.example" };
    const signed = signAssertion(responseXml(peers, { user }), peers.idpKeys);
    const commented = signed.replace(
      ">admin@sluice.local.evil.example<",
      ">admin@sluice.local<!---->.evil.example<",
    );
    const verified = await verify(commented).catch((error: unknown) => error);
    if (verified instanceof SamlRejection) return;
    expect((verified as { nameId: string }).nameId).toBe("admin@sluice.local.evil.example");
  });
});

describe("signature wrapping", () => {
  const assertionOf = (xml: string) => /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(xml)?.[0] ?? "";
  const evilAssertion = (signed: string) =>
    assertionOf(signed)
      .replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, "")
      .replace(">admin@sluice.local<", ">mallory@evil.example<")
      .replace(/ID="_[0-9a-f]+"/, 'ID="_evil"');

  it("refuses a forged assertion placed before the signed one", async () => {
    const signed = signedWith((xml) => xml);
    const assertion = assertionOf(signed);
    await expectRejected(signed.replace(assertion, `${evilAssertion(signed)}${assertion}`), "malformed");
  });

  it("refuses the signed assertion hidden in Extensions with a forged one in its place", async () => {
    const signed = signedWith((xml) => xml);
    const assertion = assertionOf(signed);
    const wrapped = signed
      .replace(assertion, evilAssertion(signed))
      .replace("<samlp:Status>", `<samlp:Extensions>${assertion}</samlp:Extensions><samlp:Status>`);
    await expectRejected(wrapped, "malformed");
  });

  it("refuses a forged assertion carrying the signed one's ID and signature", async () => {
    const signed = signedWith((xml) => xml);
    const assertion = assertionOf(signed);
    const id = /ID="(_[0-9a-f]+)"/.exec(assertion)?.[1] ?? "";
    const signature = /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(assertion)?.[0] ?? "";
    const forged = evilAssertion(signed)
      .replace('ID="_evil"', `ID="${id}"`)
      .replace("</saml:Issuer>", `</saml:Issuer>${signature}`);
    await expectRejected(signed.replace(assertion, forged), "bad-signature");
  });

  it("refuses a forged assertion whose signature points at a signed copy elsewhere", async () => {
    const signed = signedWith((xml) => xml);
    const assertion = assertionOf(signed);
    const signature = /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(assertion)?.[0] ?? "";
    const forged = evilAssertion(signed).replace("</saml:Issuer>", `</saml:Issuer>${signature}`);
    await expectRejected(
      signed
        .replace(assertion, forged)
        .replace("</samlp:Response>", `<saml:Advice>${assertion}</saml:Advice></samlp:Response>`),
      "malformed",
    );
  });
});
