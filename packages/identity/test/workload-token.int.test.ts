import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadIdpMaterial } from "../src/idp-material";
import { JwksCache } from "../src/jwks-cache";
import { type LocalIdp, startLocalIdp } from "../src/local-idp";
import { createWorkloadTokenVerifier, type WorkloadIdentityConfig } from "../src/workload-token";

const AUDIENCE = "urn:sluice:gateway";
const K8S_ISSUER = "https://kubernetes.default.svc.cluster.local";

/** Mints a client-credentials token from the local provider, as a workload would. */
export async function clientCredentialsToken(
  idp: LocalIdp,
  clientId: string,
  secret: string,
  resource: string,
) {
  const response = await fetch(`${idp.issuer}/token`, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ grant_type: "client_credentials", resource, scope: "gateway" }).toString(),
  });
  const body = (await response.json()) as { access_token?: string; error?: string };
  if (!body.access_token) throw new Error(`no token: ${JSON.stringify(body)}`);
  return body.access_token;
}

describe("workload tokens from the local OpenID provider (client credentials)", () => {
  let idp: LocalIdp;
  let home: string;
  beforeAll(async () => {
    home = mkdtempSync(path.join(tmpdir(), "sluice-wl-"));
    idp = await startLocalIdp({
      host: "127.0.0.1",
      port: 0,
      users: [],
      material: loadIdpMaterial(path.join(home, "idp.json")),
      client: { clientId: "console", redirectUris: ["http://localhost:9/cb"], postLogoutRedirectUris: [] },
      workloadClients: [
        { clientId: "reporting-bot", clientSecret: "s".repeat(32), audience: AUDIENCE, groups: ["analysts"] },
        { clientId: "other-bot", clientSecret: "o".repeat(32), audience: AUDIENCE, groups: ["admins"] },
      ],
    });
  });
  afterAll(async () => {
    await idp.close();
    rmSync(home, { recursive: true, force: true });
  });

  const config = (overrides: Partial<WorkloadIdentityConfig> = {}): WorkloadIdentityConfig => ({
    issuer: idp.issuer,
    jwksUri: null,
    audience: AUDIENCE,
    subject: "reporting-bot",
    claims: {},
    groupsClaim: "groups",
    ...overrides,
  });

  it("accepts the workload's token and takes its groups from the claim", async () => {
    const token = await clientCredentialsToken(idp, "reporting-bot", "s".repeat(32), AUDIENCE);
    const verify = createWorkloadTokenVerifier();
    const result = await verify(token, config());
    expect(result).toMatchObject({ ok: true, subject: "reporting-bot", groups: ["analysts"] });
  });

  it("refuses another workload's token, another issuer, another audience and a wrong secret", async () => {
    const verify = createWorkloadTokenVerifier();
    const other = await clientCredentialsToken(idp, "other-bot", "o".repeat(32), AUDIENCE);
    expect(await verify(other, config())).toEqual({
      ok: false,
      reason: "subject does not match the agent's",
    });
    const token = await clientCredentialsToken(idp, "reporting-bot", "s".repeat(32), AUDIENCE);
    expect(await verify(token, config({ audience: "urn:sluice:elsewhere" }))).toMatchObject({
      ok: false,
      reason: expect.stringContaining("aud"),
    });
    expect(await verify(token, config({ issuer: `${idp.issuer}/other` }))).toMatchObject({ ok: false });
    await expect(clientCredentialsToken(idp, "reporting-bot", "x".repeat(32), AUDIENCE)).rejects.toThrow(
      /invalid_client/,
    );
    // The provider refuses to mint for an audience the workload is not registered for.
    await expect(clientCredentialsToken(idp, "reporting-bot", "s".repeat(32), "urn:other")).rejects.toThrow(
      /invalid_target/,
    );
  });
});

type KeyPair = { privateKey: Awaited<ReturnType<typeof generateKeyPair>>["privateKey"]; jwk: JWK };

async function keyPair(kid: string): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" } };
}

describe("Kubernetes-style service-account tokens against the cluster's own JWKS", () => {
  let server: Server;
  let jwksUri: string;
  let published: JWK[] = [];
  let fetches = 0;
  let isDown = false;
  let current: KeyPair;
  const now = Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    current = await keyPair("k1");
    published = [current.jwk];
    server = createServer((_req, res) => {
      fetches += 1;
      if (isDown) {
        res.writeHead(503).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: published }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    jwksUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/openid/v1/jwks`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const k8sConfig = (): WorkloadIdentityConfig => ({
    issuer: K8S_ISSUER,
    jwksUri,
    audience: "sluice",
    subject: "system:serviceaccount:shop:reporting-bot",
    claims: { "kubernetes.io/namespace": "shop", "kubernetes.io/serviceaccount/name": "reporting-bot" },
    groupsClaim: null,
  });

  function serviceAccountToken(
    key: KeyPair,
    options: { namespace?: string; exp?: number; iat?: number; audience?: string; alg?: string } = {},
  ) {
    return new SignJWT({
      "kubernetes.io": {
        namespace: options.namespace ?? "shop",
        serviceaccount: { name: "reporting-bot", uid: "7f1c0de0-0000-4000-8000-000000000001" },
      },
    })
      .setProtectedHeader({ alg: options.alg ?? "RS256", kid: key.jwk.kid as string })
      .setIssuer(K8S_ISSUER)
      .setSubject("system:serviceaccount:shop:reporting-bot")
      .setAudience(options.audience ?? "sluice")
      .setIssuedAt(options.iat ?? now)
      .setNotBefore(options.iat ?? now)
      .setExpirationTime(options.exp ?? now + 600)
      .sign(key.privateKey);
  }

  it("accepts the mapped service account and refuses every other shape", async () => {
    const verify = createWorkloadTokenVerifier({ keys: new JwksCache() });
    expect(await verify(await serviceAccountToken(current), k8sConfig())).toMatchObject({
      ok: true,
      subject: "system:serviceaccount:shop:reporting-bot",
      groups: [],
    });
    const refused = async (token: string) => (await verify(token, k8sConfig())).ok;
    expect(await refused(await serviceAccountToken(current, { namespace: "other" }))).toBe(false);
    expect(await refused(await serviceAccountToken(current, { audience: "vault" }))).toBe(false);
    expect(await refused(await serviceAccountToken(current, { exp: now - 120, iat: now - 720 }))).toBe(false);
    expect(await refused(await serviceAccountToken(current, { exp: now + 7 * 86400 }))).toBe(false);
    // Signed by a key that is not the cluster's, under the cluster key's kid.
    const impostor = await keyPair("k1");
    expect(await refused(await serviceAccountToken(impostor))).toBe(false);
    // alg none: the payload of a real token with its signature stripped.
    const [, payload] = (await serviceAccountToken(current)).split(".");
    const none = `${Buffer.from('{"alg":"none","kid":"k1"}').toString("base64url")}.${payload}.`;
    expect(await refused(none)).toBe(false);
    // HS256 keyed with the public key's modulus: the classic key-confusion attempt.
    const hs = await new SignJWT({
      "kubernetes.io": { namespace: "shop", serviceaccount: { name: "reporting-bot" } },
    })
      .setProtectedHeader({ alg: "HS256", kid: "k1" })
      .setIssuer(K8S_ISSUER)
      .setSubject("system:serviceaccount:shop:reporting-bot")
      .setAudience("sluice")
      .setExpirationTime(now + 600)
      .sign(Buffer.from(current.jwk.n as string));
    expect(await refused(hs)).toBe(false);
  });

  it("refuses a token replayed after its expiry that it accepted before", async () => {
    let clock = Date.now();
    const verify = createWorkloadTokenVerifier({
      keys: new JwksCache(),
      now: () => clock,
      clockSkewSeconds: 5,
    });
    const token = await serviceAccountToken(current, { exp: now + 60 });
    expect((await verify(token, k8sConfig())).ok).toBe(true);
    clock += 66_000;
    expect(await verify(token, k8sConfig())).toEqual({ ok: false, reason: "token expired" });
  });

  it("rotates on an unknown kid once per cooldown, and keeps the last good keys when the cluster is down", async () => {
    let clock = Date.now();
    const keys = new JwksCache({ now: () => clock, refreshCooldownMs: 30_000 });
    const verify = createWorkloadTokenVerifier({ keys, now: () => clock });
    fetches = 0;
    expect((await verify(await serviceAccountToken(current), k8sConfig())).ok).toBe(true);
    expect(fetches).toBe(1);
    // A flood of made-up kids within the cooldown costs no further fetch.
    for (const kid of ["x1", "x2", "x3"]) {
      expect((await verify(await serviceAccountToken(await keyPair(kid)), k8sConfig())).ok).toBe(false);
    }
    expect(fetches).toBe(1);
    // The cluster rotates: the new key is found once the cooldown has passed.
    const rotated = await keyPair("k2");
    published = [current.jwk, rotated.jwk];
    clock += 31_000;
    expect((await verify(await serviceAccountToken(rotated), k8sConfig())).ok).toBe(true);
    expect(fetches).toBe(2);
    // Offline: the keys are stale and the refresh fails, but the known keys still verify.
    isDown = true;
    clock += 11 * 60_000;
    const later = await serviceAccountToken(rotated, { exp: now + 3600 });
    expect(await verify(later, k8sConfig())).toMatchObject({ ok: true });
    expect(fetches).toBe(3);
    isDown = false;
  });
});
