import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadIdpMaterial } from "@sluice/identity/idp-material";
import { type LocalIdp, startLocalIdp } from "@sluice/identity/local-idp";
import { createWorkloadTokenVerifier, type VerifyWorkloadToken } from "@sluice/identity/workload-token";
import type { Harness } from "./gateway-harness";

/** The audience Sluice's agents' mappings name. */
export const WORKLOAD_AUDIENCE = "urn:sluice:gateway";
/** Short enough that a test sees it expire, long enough to sign in on a busy machine. */
export const BRIEF_TTL_SECONDS = 6;

/** Workload clients of the local provider, each the `sub` of its tokens. */
export const WORKLOADS = {
  /** Five-minute tokens for Sluice. */
  reporting: "reporting-bot",
  /** Tokens that expire within a test. */
  brief: "brief-bot",
  /** Tokens for another service's audience, not Sluice's. */
  elsewhere: "elsewhere-bot",
} as const;

export type WorkloadIdp = Awaited<ReturnType<typeof startWorkloadIdps>>;

/**
 * Two real OIDC providers (`oidc-provider`, client-credentials grant): the trusted one the agents'
 * mappings name, and a stranger whose tokens carry the same subjects but another issuer.
 */
export async function startWorkloadIdps() {
  const home = mkdtempSync(path.join(tmpdir(), "sluice-wl-idp-"));
  const secrets = new Map<string, string>();
  const client = (clientId: string, audience = WORKLOAD_AUDIENCE, ttlSeconds?: number) => {
    const clientSecret = randomBytes(32).toString("base64url");
    secrets.set(clientId, clientSecret);
    return {
      clientId,
      clientSecret,
      audience,
      groups: ["analysts"],
      ...(ttlSeconds ? { ttlSeconds } : {}),
    };
  };
  const consoleClient = {
    clientId: "console",
    redirectUris: ["http://localhost:9/cb"],
    postLogoutRedirectUris: [],
  };
  const trusted = await startLocalIdp({
    host: "127.0.0.1",
    port: 0,
    users: [],
    material: loadIdpMaterial(path.join(home, "trusted.json")),
    client: consoleClient,
    workloadClients: [
      client(WORKLOADS.reporting),
      client(WORKLOADS.brief, WORKLOAD_AUDIENCE, BRIEF_TTL_SECONDS),
      client(WORKLOADS.elsewhere, "urn:other-service"),
    ],
  });
  const strangerSecret = randomBytes(32).toString("base64url");
  const stranger = await startLocalIdp({
    host: "127.0.0.1",
    port: 0,
    users: [],
    material: loadIdpMaterial(path.join(home, "stranger.json")),
    client: consoleClient,
    workloadClients: [
      {
        clientId: WORKLOADS.reporting,
        clientSecret: strangerSecret,
        audience: WORKLOAD_AUDIENCE,
        groups: ["analysts"],
      },
    ],
  });

  return {
    issuer: trusted.issuer,
    /** A token of the trusted provider for this workload client, for its own audience. */
    mint: (clientId: string) =>
      mintToken(trusted, clientId, secrets.get(clientId) as string, audienceOf(clientId)),
    /** The stranger's token for `reporting-bot`: same subject, unknown issuer. */
    mintFromStranger: () => mintToken(stranger, WORKLOADS.reporting, strangerSecret, WORKLOAD_AUDIENCE),
    /**
     * An agent in no group of its own and with no static token, mapped to this workload of the
     * trusted provider: a workload token is its only way in, its groups come from the token.
     */
    addAgent: async (harness: Harness, subject: string) => {
      const name = `wl-${subject}-${randomBytes(3).toString("hex")}`;
      const { agent } = await harness.addAgent(name, []);
      await harness.prisma.agent.update({
        where: { id: agent.id },
        data: {
          workloadIssuer: trusted.issuer,
          workloadAudience: WORKLOAD_AUDIENCE,
          workloadSubject: subject,
          workloadGroupsClaim: "groups",
        },
      });
      await harness.prisma.agentCredential.deleteMany({ where: { agentId: agent.id } });
      return agent;
    },
    close: async () => {
      await trusted.close();
      await stranger.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

function audienceOf(clientId: string): string {
  return clientId === WORKLOADS.elsewhere ? "urn:other-service" : WORKLOAD_AUDIENCE;
}

async function mintToken(idp: LocalIdp, clientId: string, secret: string, audience: string) {
  const response = await fetch(`${idp.issuer}/token`, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ grant_type: "client_credentials", resource: audience, scope: "gateway" }),
  });
  const body = (await response.json()) as { access_token?: string; error?: string };
  if (!body.access_token) throw new Error(`the provider gave no token: ${body.error}`);
  return body.access_token;
}

/** The same token with its claims changed (groups widened): the signature no longer matches. */
export function tamperedToken(token: string): string {
  const [header, payload, signature] = token.split(".");
  const claims = JSON.parse(Buffer.from(payload as string, "base64url").toString()) as Record<
    string,
    unknown
  >;
  const widened = Buffer.from(JSON.stringify({ ...claims, groups: ["admins"] })).toString("base64url");
  return `${header}.${widened}.${signature}`;
}

/** When a token stops being accepted (its `exp`, in ms). */
export function expiryOf(token: string): number {
  const payload = token.split(".")[1] as string;
  return (JSON.parse(Buffer.from(payload, "base64url").toString()) as { exp: number }).exp * 1000;
}

/** Without clock skew: a short-lived token is refused the moment its `exp` passes, as tests expect. */
export function strictVerifier(): VerifyWorkloadToken {
  return createWorkloadTokenVerifier({ clockSkewSeconds: 0 });
}
