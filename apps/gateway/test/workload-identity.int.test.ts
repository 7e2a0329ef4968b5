import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { WORKLOAD_TOKEN_NOT_ACCEPTED } from "@sluice/agent-guidance/agent-guidance";
import { issueAgentCredential } from "@sluice/db/seed/issue-agent-credential";
import { loadIdpMaterial } from "@sluice/identity/idp-material";
import { type LocalIdp, startLocalIdp } from "@sluice/identity/local-idp";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../../../test/until";
import { type Harness, startHarness } from "./support/gateway-harness";
import { refusalsSince } from "./support/refused-attempts";

const AUDIENCE = "urn:sluice:gateway";
const BOT_SECRET = randomBytes(32).toString("base64url");
const OTHER_SECRET = randomBytes(32).toString("base64url");

let harness: Harness;
let idp: LocalIdp;
let idpHome: string;

beforeAll(async () => {
  harness = await startHarness();
  idpHome = mkdtempSync(path.join(tmpdir(), "sluice-wl-idp-"));
  idp = await startLocalIdp({
    host: "127.0.0.1",
    port: 0,
    users: [],
    material: loadIdpMaterial(path.join(idpHome, "idp.json")),
    client: { clientId: "console", redirectUris: ["http://localhost:9/cb"], postLogoutRedirectUris: [] },
    workloadClients: [
      { clientId: "reporting-bot", clientSecret: BOT_SECRET, audience: AUDIENCE, groups: ["analysts"] },
      { clientId: "other-bot", clientSecret: OTHER_SECRET, audience: AUDIENCE, groups: ["analysts"] },
    ],
  });
});

afterAll(async () => {
  await idp?.close();
  await harness?.stop();
  if (idpHome) rmSync(idpHome, { recursive: true, force: true });
});

async function workloadToken(clientId: string, secret: string): Promise<string> {
  const response = await fetch(`${idp.issuer}/token`, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ grant_type: "client_credentials", resource: AUDIENCE, scope: "gateway" }),
  });
  const body = (await response.json()) as { access_token: string };
  return body.access_token;
}

/** An agent in no group of its own, mapped to the `reporting-bot` workload of the local provider. */
async function workloadAgent(name: string, options: { keepStaticToken?: boolean } = {}) {
  const { agent, token } = await harness.addAgent(name, []);
  await harness.prisma.agent.update({
    where: { id: agent.id },
    data: {
      workloadIssuer: idp.issuer,
      workloadAudience: AUDIENCE,
      workloadSubject: "reporting-bot",
      workloadGroupsClaim: "groups",
    },
  });
  if (!options.keepStaticToken)
    await harness.prisma.agentCredential.deleteMany({ where: { agentId: agent.id } });
  return { agent, token };
}

/** Over TLS, verifying the gateway's certificate, as an agent off this machine must connect. */
function tlsClient(agentName: string, password: string) {
  return new pg.Client({
    host: "127.0.0.1",
    port: harness.port,
    database: harness.connectionName,
    user: agentName,
    password,
    ssl: { ca: readFileSync(harness.caFile as string, "utf8"), servername: "localhost" },
  });
}

describe("agents signing in with a workload token (JWT) instead of a static secret", () => {
  it("connects over TLS with the provider's client-credentials token, groups from its claim", async () => {
    const { agent } = await workloadAgent(`wl-only-${randomBytes(3).toString("hex")}`);
    const client = tlsClient(agent.name, await workloadToken("reporting-bot", BOT_SECRET));
    await client.connect();
    expect((await client.query("SELECT 1 AS ok")).rows).toEqual([{ ok: 1 }]);
    await client.end();
    const session = await until(() =>
      harness.prisma.gatewaySession.findFirst({
        where: { agentId: agent.id },
        orderBy: { startedAt: "desc" },
      }),
    );
    expect(session).toMatchObject({ isTls: true, agentGroups: ["analysts"] });
  });

  it("refuses another workload's token, a tampered one and garbage, as 28P01", async () => {
    const { agent } = await workloadAgent(`wl-refuse-${randomBytes(3).toString("hex")}`);
    const other = await workloadToken("other-bot", OTHER_SECRET);
    const good = await workloadToken("reporting-bot", BOT_SECRET);
    const [header, payload, signature] = good.split(".");
    const claims = JSON.parse(Buffer.from(payload as string, "base64url").toString()) as Record<
      string,
      unknown
    >;
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, groups: ["admins"] })).toString("base64url")}.${signature}`;
    const unsigned = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${payload}.`;
    const since = new Date();
    const cases: [string, string, RegExp][] = [
      ["another workload", other, /subject does not match/],
      ["forged groups", forged, /signature does not verify/],
      ["unsigned", unsigned, /signature algorithm not accepted|invalid token/],
    ];
    for (const [what, password] of cases) {
      const error = await tlsClient(agent.name, password)
        .connect()
        .catch((failure: Error) => failure);
      expect(error, what).toMatchObject({ code: "28P01" });
      // The same words whatever is wrong: no telling which issuers some agent trusts.
      expect((error as Error).message, what).toBe(
        `authentication failed for agent "${agent.name}": ${WORKLOAD_TOKEN_NOT_ACCEPTED}`,
      );
    }
    const garbage = await tlsClient(agent.name, "not-a-token")
      .connect()
      .catch((failure: Error) => failure);
    expect(garbage).toMatchObject({
      code: "28P01",
      message: `authentication failed for agent "${agent.name}"`,
    });
    // Each refusal is written for admins, with what the client was not told.
    const written = await refusalsSince(harness.prisma, since, cases.length + 1);
    cases.forEach(([what, , reason], index) => {
      expect(written[index], what).toMatchObject({ path: "postgres", claimedAgent: agent.name });
      expect(written[index]?.refusal, what).toMatch(reason);
    });
  });

  it("keeps every live static token of the agent working on the cleartext path", async () => {
    const { agent, token: first } = await workloadAgent(`wl-static-${randomBytes(3).toString("hex")}`, {
      keepStaticToken: true,
    });
    await harness.prisma.agentGroupMember.create({
      data: {
        agent: { connect: { id: agent.id } },
        group: { connect: { name: "analysts" } },
      },
    });
    const { token: second } = await issueAgentCredential(harness.prisma, agent.id);
    for (const token of [first, second]) {
      const client = tlsClient(agent.name, token);
      await client.connect();
      expect((await client.query("SELECT 2 AS ok")).rows).toEqual([{ ok: 2 }]);
      await client.end();
    }
    const wrong = await tlsClient(agent.name, `${first.slice(0, -1)}${first.endsWith("A") ? "B" : "A"}`)
      .connect()
      .catch((failure: Error) => failure);
    expect(wrong).toMatchObject({ code: "28P01" });
  });

  it("ends a workload session when the agent's mapping is removed", async () => {
    const { agent } = await workloadAgent(`wl-revoke-${randomBytes(3).toString("hex")}`);
    const client = tlsClient(agent.name, await workloadToken("reporting-bot", BOT_SECRET));
    await client.connect();
    const ended = new Promise<Error>((resolve) => client.on("error", resolve));
    // The watcher keeps it while the mapping and the token's group access last...
    expect((await client.query("SELECT 3 AS ok")).rows).toEqual([{ ok: 3 }]);
    await harness.prisma.agent.update({ where: { id: agent.id }, data: { workloadIssuer: null } });
    expect((await ended).message).toContain("credential was revoked");
  });
});
