import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalSamlIdp, startLocalSamlIdp } from "../src/saml/local-saml-idp";
import { parseIdpMetadata } from "../src/saml/saml-idp-metadata";
import { verifySamlResponse } from "../src/saml/saml-response";
import { DEFAULT_SAML_ATTRIBUTES, type SamlServiceProvider } from "../src/saml/saml-settings";
import { authnRequestUrl, newSamlId, serviceProviderMetadata } from "../src/saml/saml-sp-messages";
import { SamlRejection } from "../src/saml/saml-xml";
import { CookieJar, fetchWithJar } from "./oidc-flow";
import { samlPeers } from "./saml-fixtures";

const USER = { email: "auditor@sluice.local", name: "Avery", groups: ["sluice-auditors"], password: "pw-1" };

/**
 * An IdP that encrypts its assertions to the key the SP's metadata advertises: the console decrypts
 * with that key and then checks the assertion exactly as a plain one; without the key it refuses.
 */
describe("encrypted SAML assertions from the local IdP", () => {
  const peers = samlPeers();
  // The SP's signing pair doubles as its encryption pair, as the console's does.
  const sp: SamlServiceProvider = {
    ...peers.sp,
    encryption: { key: peers.spKeys.key, cert: peers.spKeys.cert },
  };
  let idp: LocalSamlIdp;

  beforeAll(async () => {
    idp = await startLocalSamlIdp({
      host: "127.0.0.1",
      port: 0,
      users: [USER],
      signing: peers.idpKeys,
      spMetadata: serviceProviderMetadata(sp),
      encryptAssertions: true,
    });
  });
  afterAll(async () => {
    await idp?.close();
  });

  it("advertises the encryption key, and a response the IdP encrypted to it signs the person in", async () => {
    expect(serviceProviderMetadata(sp)).toContain('<md:KeyDescriptor use="encryption">');
    expect(serviceProviderMetadata(peers.sp)).not.toContain('use="encryption"');
    const idpSettings = parseIdpMetadata(await (await fetch(idp.metadataUrl)).text());
    const jar = new CookieJar();
    const form = await fetchWithJar(jar, await authnRequestUrl(sp, idpSettings, newSamlId()));
    const action = /action="([^"]+)"/.exec(await form.text())?.[1] ?? "";
    const posted = await fetchWithJar(jar, new URL(action, idp.metadataUrl).toString(), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email: USER.email, password: USER.password }).toString(),
    });
    const samlResponse = /name="SAMLResponse" value="([^"]+)"/.exec(await posted.text())?.[1] ?? "";
    const xml = Buffer.from(samlResponse, "base64").toString("utf8");
    expect(xml).toContain("EncryptedAssertion");
    expect(xml).not.toContain("sluice-auditors");

    const verified = await verifySamlResponse({
      sp,
      idp: idpSettings,
      attributes: DEFAULT_SAML_ATTRIBUTES,
      samlResponse,
    });
    expect(verified).toMatchObject({ email: USER.email, groups: ["sluice-auditors"], issuer: idp.entityId });

    // An SP without the key (or another key) accepts nothing from it.
    for (const withoutKey of [
      peers.sp,
      { ...sp, encryption: { key: peers.strangerKeys.key, cert: peers.strangerKeys.cert } },
    ]) {
      const refused = await verifySamlResponse({
        sp: withoutKey,
        idp: idpSettings,
        attributes: DEFAULT_SAML_ATTRIBUTES,
        samlResponse,
      }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(SamlRejection);
      expect((refused as SamlRejection).message).toMatch(
        /encrypted assertions are not accepted|does not decrypt/,
      );
    }
  });
});
