import type { PrismaClient } from "@sluice/db/prisma";
import { type LocalSamlIdp, startLocalSamlIdp } from "@sluice/identity/saml/local-saml-idp";
import { idpLogoutResponseUrl, verifyIdpLogoutRequest } from "@sluice/identity/saml/saml-idp-logout";
import { parseIdpMetadata } from "@sluice/identity/saml/saml-idp-metadata";
import { verifySamlResponse } from "@sluice/identity/saml/saml-response";
import { DEFAULT_SAML_ATTRIBUTES, type SamlIdentityProvider } from "@sluice/identity/saml/saml-settings";
import {
  authnRequestUrl,
  isSuccessfulLogoutResponse,
  logoutRequestUrl,
  newSamlId,
  serviceProviderMetadata,
} from "@sluice/identity/saml/saml-sp-messages";
import { SamlRejection } from "@sluice/identity/saml/saml-xml";
import { CookieJar, fetchWithJar } from "@sluice/identity/testing/oidc-flow";
import { samlPeers } from "@sluice/identity/testing/saml-fixtures";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestStore } from "../../../test/support";
import { endSamlSessions, isSamlSessionEnded } from "../src/saml-logout";
import { acceptSamlAssertion, beginSamlSignIn, completeSamlSignIn } from "../src/saml-sign-in";

const USERS = [
  {
    email: "auditor@sluice.local",
    name: "Avery Auditor",
    groups: ["sluice-auditors"],
    password: "pw-auditor-1",
  },
  { email: "nobody@sluice.local", name: "No Body", groups: ["interns"], password: "pw-nobody-1" },
];

describe("SAML sign-in against the local IdP and a real store", () => {
  let store: { prisma: PrismaClient; drop: () => Promise<void> };
  let idp: LocalSamlIdp;
  let idpSettings: SamlIdentityProvider;
  const peers = samlPeers();

  beforeAll(async () => {
    store = await createTestStore();
    await store.prisma.roleMapping.create({ data: { idpGroup: "sluice-auditors", role: "AUDITOR" } });
    idp = await startLocalSamlIdp({
      host: "127.0.0.1",
      port: 0,
      users: USERS,
      signing: peers.idpKeys,
      spMetadata: serviceProviderMetadata(peers.sp),
      log: (line) => console.error(line),
    });
    idpSettings = parseIdpMetadata(await (await fetch(idp.metadataUrl)).text());
  });
  afterAll(async () => {
    await idp?.close();
    await store?.drop();
  });

  /** Starts a sign-in as the console would and walks the IdP's pages with `jar`; returns the posted SAMLResponse. */
  async function signInAtIdp(jar: CookieJar, user: (typeof USERS)[number] | null, binding = "browser-1") {
    const requestId = newSamlId();
    await beginSamlSignIn(store.prisma, { requestId, binding, callbackUrl: "/dashboard" });
    let page = await fetchWithJar(jar, await authnRequestUrl(peers.sp, idpSettings, requestId));
    let html = await page.text();
    if (user) {
      const action = /action="([^"]+)"/.exec(html)?.[1] ?? "";
      expect(html).toContain('name="password"');
      page = await fetchWithJar(jar, new URL(action, idp.metadataUrl).toString(), {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ email: user.email, password: user.password }).toString(),
      });
      html = await page.text();
    }
    expect(html).toContain(`action="${peers.sp.acsUrl}"`);
    const samlResponse = /name="SAMLResponse" value="([^"]+)"/.exec(html)?.[1] ?? "";
    return { requestId, samlResponse };
  }

  const verify = (samlResponse: string) =>
    verifySamlResponse({ sp: peers.sp, idp: idpSettings, attributes: DEFAULT_SAML_ATTRIBUTES, samlResponse });

  it("signs an auditor in with the role their group maps to, once, in the browser that started", async () => {
    const jar = new CookieJar();
    const { requestId, samlResponse } = await signInAtIdp(jar, USERS[0] ?? null);
    const verified = await verify(samlResponse);
    expect(verified.groups).toEqual(["sluice-auditors"]);
    expect(await acceptSamlAssertion(store.prisma, verified)).toEqual({
      requestId,
      callbackUrl: "/dashboard",
    });

    expect(await completeSamlSignIn(store.prisma, { requestId, binding: "another-browser" })).toEqual({
      failure: "unknown-request",
    });
    const result = await completeSamlSignIn(store.prisma, { requestId, binding: "browser-1" });
    expect("user" in result && result.user.email).toBe("auditor@sluice.local");
    const user = await store.prisma.user.findFirstOrThrow({ where: { email: "auditor@sluice.local" } });
    expect(user).toMatchObject({ issuer: idp.entityId, subject: "auditor@sluice.local", roles: ["AUDITOR"] });
    expect(await completeSamlSignIn(store.prisma, { requestId, binding: "browser-1" })).toEqual({
      failure: "unknown-request",
    });

    // The same response posted again, and the same assertion ID in answer to a fresh request.
    const replay = await verify(samlResponse)
      .then((again) => acceptSamlAssertion(store.prisma, again))
      .catch((error) => error);
    expect(replay).toBeInstanceOf(SamlRejection);
    expect((replay as SamlRejection).reason).toBe("replayed");
  });

  it("refuses a valid assertion that answers a request this console never sent", async () => {
    const { samlResponse } = await signInAtIdp(new CookieJar(), USERS[0] ?? null);
    await store.prisma.samlSignInRequest.deleteMany({});
    const error = await verify(samlResponse)
      .then((verified) => acceptSamlAssertion(store.prisma, verified))
      .catch((caught) => caught);
    expect((error as SamlRejection).reason).toBe("unsolicited");
  });

  it("refuses sign-in to a person none of whose groups maps to a role", async () => {
    const { requestId, samlResponse } = await signInAtIdp(new CookieJar(), USERS[1] ?? null, "browser-2");
    await acceptSamlAssertion(store.prisma, await verify(samlResponse));
    expect(await completeSamlSignIn(store.prisma, { requestId, binding: "browser-2" })).toEqual({
      failure: "no-role",
    });
  });

  it("keeps the IdP session until single logout ends it", async () => {
    const jar = new CookieJar();
    const first = await signInAtIdp(jar, USERS[0] ?? null, "browser-3");
    const verified = await verify(first.samlResponse);
    // Signed in at the IdP: the next request is answered without the password form.
    await signInAtIdp(jar, null, "browser-3");

    const logout = await logoutRequestUrl(peers.sp, idpSettings, {
      nameId: verified.nameId,
      nameIdFormat: verified.nameIdFormat,
      sessionIndex: verified.sessionIndex,
    });
    const answer = await fetchWithJar(jar, logout ?? "");
    expect(answer.status).toBe(302);
    const back = new URL(answer.headers.get("location") ?? "");
    expect(`${back.origin}${back.pathname}`).toBe(peers.sp.sloUrl);
    expect(
      await isSuccessfulLogoutResponse(peers.sp, idpSettings, back.searchParams, back.search.slice(1)),
    ).toBe(true);

    // The IdP session is gone: signing in asks for the password again.
    const requestId = newSamlId();
    await beginSamlSignIn(store.prisma, { requestId, binding: "browser-3", callbackUrl: "/" });
    const page = await fetchWithJar(jar, await authnRequestUrl(peers.sp, idpSettings, requestId));
    expect(await page.text()).toContain('name="password"');
  });

  it("refuses a logout request the console did not sign", async () => {
    const logout = new URL(
      (await logoutRequestUrl(peers.sp, idpSettings, {
        nameId: "auditor@sluice.local",
        nameIdFormat: null,
        sessionIndex: null,
      })) ?? "",
    );
    logout.searchParams.delete("Signature");
    const answer = await fetch(logout);
    expect(answer.status).toBe(400);
  });

  it("[IdP-initiated SLO] ends the console session the IdP names, answers signed, and refuses forgeries and replays", async () => {
    const jar = new CookieJar();
    const { requestId, samlResponse } = await signInAtIdp(jar, USERS[0] ?? null, "browser-slo");
    await acceptSamlAssertion(store.prisma, await verify(samlResponse));
    const signedIn = await completeSamlSignIn(store.prisma, { requestId, binding: "browser-slo" });
    if (!("session" in signedIn)) throw new Error("not signed in");
    const session = { ...signedIn.session, signedInAt: new Date(Date.now() - 1000) };
    expect(session.sessionIndex).toMatch(/^_/);
    expect(await isSamlSessionEnded(store.prisma, session)).toBe(false);

    // The IdP's own logout page sends the browser to the console's SLO with a signed LogoutRequest.
    const started = await fetchWithJar(jar, new URL("/logout", idp.metadataUrl).toString());
    expect(started.status).toBe(302);
    const requestUrl = new URL(started.headers.get("location") ?? "");
    expect(`${requestUrl.origin}${requestUrl.pathname}`).toBe(peers.sp.sloUrl);
    const check = (url: URL, overrides: { sp?: object; idp?: object } = {}) =>
      verifyIdpLogoutRequest({
        sp: { ...peers.sp, ...overrides.sp },
        idp: { ...idpSettings, ...overrides.idp },
        query: url.searchParams,
        rawQuery: url.search.slice(1),
      });
    const logout = await check(requestUrl);
    expect(logout).toMatchObject({
      issuer: idp.entityId,
      nameId: "auditor@sluice.local",
      sessionIndexes: [session.sessionIndex],
    });
    await endSamlSessions(store.prisma, logout);
    expect(await isSamlSessionEnded(store.prisma, session)).toBe(true);
    // A later sign-in of the same person is a new session.
    expect(
      await isSamlSessionEnded(store.prisma, { ...session, signedInAt: new Date(Date.now() + 1000) }),
    ).toBe(false);
    // The answer is a LogoutResponse the IdP verifies against the SP's metadata.
    const answer = await fetchWithJar(jar, await idpLogoutResponseUrl(peers.sp, idpSettings, logout, ""));
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain("You are signed out");

    const reasonOf = (promise: Promise<unknown>) =>
      promise.then(
        () => "accepted",
        (error: unknown) => (error instanceof SamlRejection ? error.reason : String(error)),
      );
    expect(await reasonOf(endSamlSessions(store.prisma, logout))).toBe("replayed");
    const fresh = new URL(idp.logoutRequestUrl("auditor@sluice.local"));
    const unsigned = new URL(fresh);
    unsigned.searchParams.delete("Signature");
    expect(await reasonOf(check(unsigned))).toBe("unsigned");
    const tampered = new URL(fresh);
    tampered.searchParams.set("Signature", Buffer.alloc(256, 1).toString("base64"));
    expect(await reasonOf(check(tampered))).toBe("bad-signature");
    expect(await reasonOf(check(fresh, { sp: { sloUrl: "https://elsewhere.example/slo" } }))).toBe(
      "wrong-destination",
    );
    expect(await reasonOf(check(fresh, { idp: { entityId: "https://other-idp.example" } }))).toBe(
      "wrong-issuer",
    );
    // Signed by a key the IdP's metadata does not hold.
    expect(await reasonOf(check(fresh, { idp: { certificates: [peers.sp.signingCert] } }))).toBe(
      "bad-signature",
    );
    expect(await reasonOf(check(fresh))).toBe("accepted");
  });
});
