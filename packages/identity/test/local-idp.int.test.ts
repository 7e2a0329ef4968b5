import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadIdpMaterial } from "../src/idp-material";
import { type LocalIdp, MAX_LOGIN_FAILURES, startLocalIdp } from "../src/local-idp";
import { CookieJar, fetchWithJar, followUntilLeaving, pkcePair } from "./oidc-flow";

type Discovery = { authorization_endpoint: string; token_endpoint: string; userinfo_endpoint: string };
const REDIRECT = "http://localhost:9/api/auth/callback/oidc";
const USER = {
  email: "ada@example.test",
  name: "Ada",
  groups: ["sluice-admins", "finance"],
  password: "pa55-word",
};

describe("local identity provider", () => {
  let idp: LocalIdp;
  let home: string;

  beforeAll(async () => {
    home = mkdtempSync(path.join(tmpdir(), "sluice-idp-"));
    idp = await startLocalIdp({
      host: "127.0.0.1",
      port: 0,
      users: [USER],
      material: loadIdpMaterial(path.join(home, "idp.json")),
      client: {
        clientId: "console",
        redirectUris: [REDIRECT],
        postLogoutRedirectUris: ["http://localhost:9/"],
      },
    });
  });
  afterAll(async () => {
    await idp.close();
    rmSync(home, { recursive: true, force: true });
  });

  async function authorize(jar: CookieJar, challenge: string) {
    const discovery = (await (
      await fetch(`${idp.issuer}/.well-known/openid-configuration`)
    ).json()) as Discovery;
    const url = new URL(discovery.authorization_endpoint);
    url.search = new URLSearchParams({
      client_id: "console",
      redirect_uri: REDIRECT,
      response_type: "code",
      scope: "openid email profile groups",
      state: "s1",
      code_challenge: challenge,
      code_challenge_method: "S256",
    }).toString();
    const response = await fetchWithJar(jar, url.toString());
    expect(response.status).toBe(303);
    return { discovery, interaction: new URL(response.headers.get("location") ?? "", idp.issuer).toString() };
  }

  it("signs a user in with the code flow and PKCE, and hands the groups claim to the client", async () => {
    const jar = new CookieJar();
    const { verifier, challenge } = pkcePair();
    const { discovery, interaction } = await authorize(jar, challenge);
    const form = await fetchWithJar(jar, interaction);
    expect(await form.text()).toContain('name="password"');

    const login = await fetchWithJar(jar, interaction, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email: USER.email, password: USER.password }).toString(),
    });
    expect(login.status).toBe(303);
    const callback = new URL(await followUntilLeaving(jar, login.headers.get("location") ?? "", idp.issuer));
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT);
    expect(callback.searchParams.get("state")).toBe("s1");

    const token = await fetch(discovery.token_endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`console:${idp.clientSecret}`).toString("base64")}`,
      },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: callback.searchParams.get("code") ?? "",
        redirect_uri: REDIRECT,
        code_verifier: verifier,
      }).toString(),
    });
    const tokens = (await token.json()) as Record<string, string>;
    expect(token.status, JSON.stringify(tokens)).toBe(200);
    expect(tokens.id_token).toMatch(/^ey/);

    const userinfo = await fetch(discovery.userinfo_endpoint, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(await userinfo.json()).toMatchObject({ sub: USER.email, email: USER.email, groups: USER.groups });
  });

  it("ends its own session on RP-initiated logout, so the next sign-in asks for the password", async () => {
    const jar = new CookieJar();
    const { discovery, interaction } = await authorize(jar, pkcePair().challenge);
    await fetchWithJar(jar, interaction);
    const login = await fetchWithJar(jar, interaction, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email: USER.email, password: USER.password }).toString(),
    });
    await followUntilLeaving(jar, login.headers.get("location") ?? "", idp.issuer);
    // Signed in at the provider: another authorization goes straight back to the console.
    const again = await authorize(jar, pkcePair().challenge);
    expect(await followUntilLeaving(jar, again.interaction, idp.issuer)).toContain(REDIRECT);

    const endSession = (discovery as Discovery & { end_session_endpoint: string }).end_session_endpoint;
    const logoutPage = await fetchWithJar(
      jar,
      `${endSession}?${new URLSearchParams({ client_id: "console", post_logout_redirect_uri: "http://localhost:9/" })}`,
    );
    const html = await logoutPage.text();
    expect(html).toContain('name="logout"');
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1] ?? "";
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1] ?? "";
    const confirmed = await fetchWithJar(jar, new URL(action, idp.issuer).toString(), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ xsrf, logout: "yes" }).toString(),
    });
    expect(await followUntilLeaving(jar, confirmed.headers.get("location") ?? "", idp.issuer)).toBe(
      "http://localhost:9/",
    );

    const afterLogout = await authorize(jar, pkcePair().challenge);
    expect(await (await fetchWithJar(jar, afterLogout.interaction)).text()).toContain('name="password"');
  });

  it("refuses a wrong password with the form again and no code", async () => {
    const jar = new CookieJar();
    const { interaction } = await authorize(jar, pkcePair().challenge);
    const login = await fetchWithJar(jar, interaction, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email: USER.email, password: "guess" }).toString(),
    });
    expect(login.status).toBe(401);
    expect(await login.text()).toContain("Unknown email or wrong password.");
  });

  it("stops accepting passwords for an email after repeated failures", async () => {
    const jar = new CookieJar();
    const { interaction } = await authorize(jar, pkcePair().challenge);
    const attempt = (password: string) =>
      fetchWithJar(jar, interaction, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ email: "victim@example.test", password }).toString(),
      });
    for (let i = 0; i < MAX_LOGIN_FAILURES; i++) expect((await attempt(`guess-${i}`)).status).toBe(401);
    const locked = await attempt("another");
    expect(locked.status).toBe(429);
    expect(await locked.text()).toContain("Too many wrong passwords");
  });

  it("refuses an authorization request without PKCE", async () => {
    const url = new URL(`${idp.issuer}/auth`);
    url.search = new URLSearchParams({
      client_id: "console",
      redirect_uri: REDIRECT,
      response_type: "code",
      scope: "openid",
      state: "s",
    }).toString();
    const response = await fetch(url, { redirect: "manual" });
    expect(response.headers.get("location") ?? "").toContain("error=invalid_request");
  });

  it("keeps its signing key across restarts (the material file is reused)", () => {
    const first = loadIdpMaterial(path.join(home, "idp.json"));
    const second = loadIdpMaterial(path.join(home, "idp.json"));
    expect(second.signingKey).toEqual(first.signingKey);
  });
});
