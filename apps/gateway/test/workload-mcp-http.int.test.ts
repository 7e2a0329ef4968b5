import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { WORKLOAD_TOKEN_NOT_ACCEPTED } from "@sluice/agent-guidance/agent-guidance";
import { bumpPolicyVersion } from "@sluice/db/policy-version";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../../../test/until";
import { type Harness, startHarness } from "./support/gateway-harness";
import { startJsonUpstream, UPSTREAM_KEY } from "./support/json-upstream";
import { refusalsSince } from "./support/refused-attempts";
import {
  expiryOf,
  startWorkloadIdps,
  strictVerifier,
  tamperedToken,
  WORKLOADS,
  type WorkloadIdp,
} from "./support/workload-idp";

/**
 * Agents with no static secret on the MCP endpoint and the HTTP path: the bearer is a JWT from the
 * trusted provider's client-credentials flow, verified against its JWKS and the agent's mapping.
 * A bad token gets one 401 whatever is wrong with it, and no session; the reason is written for admins.
 */
let harness: Harness;
let idps: WorkloadIdp;
let upstream: Awaited<ReturnType<typeof startJsonUpstream>>;
let mcpUrl: URL;
let httpBase: string;

beforeAll(async () => {
  harness = await startHarness({
    isTlsEnabled: false,
    mcpPort: 0,
    httpPort: 0,
    verifyWorkloadToken: strictVerifier(),
  });
  idps = await startWorkloadIdps();
  upstream = await startJsonUpstream();
  await harness.addConnection({
    name: "crm",
    type: "HTTP",
    host: "127.0.0.1",
    port: upstream.port,
    database: "/api",
    username: "unused",
    password: UPSTREAM_KEY,
    httpAuthKind: "BEARER",
    tlsMode: "DISABLE",
  });
  await bumpPolicyVersion(harness.prisma);
  await harness.gateway.policies.reload();
  mcpUrl = new URL(`http://127.0.0.1:${harness.gateway.mcpPort}/mcp`);
  httpBase = `http://127.0.0.1:${harness.gateway.httpPort}`;
});

afterAll(async () => {
  await harness?.stop();
  await idps?.close();
  await upstream?.close();
});

async function mcpClient(token: string): Promise<Client> {
  const client = new Client({ name: "workload-test", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(mcpUrl, {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

async function tool(client: Client, name: string, args: Record<string, unknown> = {}) {
  const result = await client.callTool({ name, arguments: args });
  return result.structuredContent as Record<string, unknown> & { status: string };
}

/** An MCP initialize request as any client sends it first, answered (or refused) by the endpoint. */
async function mcpInitialize(token: string): Promise<{ status: number; body: string; challenge: string }> {
  const response = await fetch(mcpUrl, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    }),
  });
  return {
    status: response.status,
    body: await response.text(),
    challenge: response.headers.get("www-authenticate") ?? "",
  };
}

const httpCall = (token: string, target = "/crm/customers") =>
  fetch(`${httpBase}${target}`, { headers: { authorization: `Bearer ${token}` } });

const sessionsOf = (agentId: string) => harness.prisma.gatewaySession.count({ where: { agentId } });

describe("workload tokens on the MCP endpoint", () => {
  it("[MCP] an agent with no static secret lists its connections and queries as itself", async () => {
    const agent = await idps.addAgent(harness, WORKLOADS.reporting);
    const client = await mcpClient(await idps.mint(WORKLOADS.reporting));
    const listed = await tool(client, "list_connections");
    expect(listed).toMatchObject({ status: "ok", connections: [{ name: harness.connectionName }] });
    const ran = await tool(client, "run_query", {
      connection: harness.connectionName,
      sql: "SELECT 1 AS ok",
    });
    expect(ran).toMatchObject({ status: "ok", results: [{ columns: ["ok"], rows: [["1"]] }] });
    await client.close();
    // The tool's query was a wire session of this agent, with the groups its token granted.
    const session = await until(() =>
      harness.prisma.gatewaySession.findFirst({ where: { agentId: agent.id, endedAt: { not: null } } }),
    );
    expect(session.agentGroups).toEqual(["analysts"]);
  });

  it("[MCP] refuses a foreign, mis-addressed or tampered token with one 401 for all, the reason kept for admins", async () => {
    const agent = await idps.addAgent(harness, WORKLOADS.elsewhere);
    const good = await idps.mint(WORKLOADS.reporting);
    const since = new Date();
    const cases: [string, string, RegExp][] = [
      ["unknown issuer", await idps.mintFromStranger(), /no agent accepts tokens from issuer http:\/\//],
      ["wrong audience", await idps.mint(WORKLOADS.elsewhere), /audience/],
      ["wrong signature", tamperedToken(good), /signature does not verify/],
    ];
    for (const [what, token] of cases) {
      const refused = await mcpInitialize(token);
      expect(refused.status, what).toBe(401);
      expect(refused.challenge, what).toContain("Bearer");
      const { error } = JSON.parse(refused.body) as { error: { rule: string; message: string } };
      expect(error.rule, what).toBe("sluice:auth");
      // The same words whatever is wrong: no telling which issuers some agent trusts.
      expect(error.message, what).toBe(`authentication failed: ${WORKLOAD_TOKEN_NOT_ACCEPTED}`);
      expect(refused.body, what).not.toContain(token);
    }
    const written = await refusalsSince(harness.prisma, since, cases.length);
    cases.forEach(([what, , reason], index) => {
      expect(written[index], what).toMatchObject({
        path: "mcp",
        clientMessage: `authentication failed: ${WORKLOAD_TOKEN_NOT_ACCEPTED}`,
      });
      expect(written[index]?.refusal, what).toMatch(reason);
    });
    expect(await sessionsOf(agent.id)).toBe(0);
  });
});

describe("workload tokens on the HTTP path", () => {
  it("[HTTP] a bearer workload token reads through the gateway, recorded as its agent", async () => {
    const agent = await idps.addAgent(harness, WORKLOADS.reporting);
    // A twin trusting the same identity (as the MCP tests' agent does): a bearer JWT names no agent,
    // so more than one agent accepting it is refused rather than resolved by whichever is found first.
    await idps.addAgent(harness, WORKLOADS.reporting);
    const since = new Date();
    const ambiguous = await httpCall(await idps.mint(WORKLOADS.reporting));
    expect(ambiguous.status).toBe(401);
    expect(((await ambiguous.json()) as { error: { message: string } }).error.message).toBe(
      `authentication failed: ${WORKLOAD_TOKEN_NOT_ACCEPTED}`,
    );
    const [written] = await refusalsSince(harness.prisma, since, 1);
    expect(written?.refusal).toMatch(/\d agents accept it .*map it to exactly one/);
    await harness.prisma.agent.updateMany({
      where: { workloadSubject: WORKLOADS.reporting, id: { not: agent.id } },
      data: { isDisabled: true },
    });
    const response = await httpCall(await idps.mint(WORKLOADS.reporting));
    expect(response.status).toBe(200);
    expect(((await response.json()) as { customers: unknown[] }).customers.length).toBeGreaterThan(0);
    const session = await until(() =>
      harness.prisma.gatewaySession.findFirst({ where: { agentId: agent.id } }),
    );
    expect(session.agentGroups).toEqual(["analysts"]);
  });

  it("[HTTP] refuses a foreign, mis-addressed or tampered token with one 401 for all, the reason kept for admins", async () => {
    const agent = await idps.addAgent(harness, WORKLOADS.elsewhere);
    const good = await idps.mint(WORKLOADS.reporting);
    const upstreamCallsBefore = upstream.seen.length;
    const since = new Date();
    const cases: [string, string, RegExp][] = [
      ["unknown issuer", await idps.mintFromStranger(), /no agent accepts tokens from issuer/],
      ["wrong audience", await idps.mint(WORKLOADS.elsewhere), /audience/],
      ["wrong signature", tamperedToken(good), /signature does not verify/],
    ];
    for (const [what, token] of cases) {
      const response = await httpCall(token);
      expect(response.status, what).toBe(401);
      const { error } = (await response.json()) as { error: { message: string } };
      expect(error.message, what).toBe(`authentication failed: ${WORKLOAD_TOKEN_NOT_ACCEPTED}`);
    }
    const written = await refusalsSince(harness.prisma, since, cases.length);
    cases.forEach(([what, , reason], index) => {
      expect(written[index]?.path, what).toBe("http");
      expect(written[index]?.refusal, what).toMatch(reason);
    });
    // Nothing reached the upstream: authentication comes before everything else.
    expect(upstream.seen.length).toBe(upstreamCallsBefore);
    expect(await sessionsOf(agent.id)).toBe(0);
  });
});

describe("when a workload token expires", () => {
  it("[MCP, HTTP, Postgres] its next call is refused, and a wire session open on it ends", async () => {
    const agent = await idps.addAgent(harness, WORKLOADS.brief);
    const token = await idps.mint(WORKLOADS.brief);
    const mcp = await mcpClient(token);
    expect(await tool(mcp, "list_connections")).toMatchObject({ status: "ok" });
    expect((await httpCall(token)).status).toBe(200);
    // Loopback: the listener takes the token in clear without TLS (it never crosses a network).
    const wire = new pg.Client({ connectionString: harness.urlFor(agent.name, token) });
    await wire.connect();
    const wireEnded = new Promise<Error>((resolve) => wire.on("error", resolve));
    expect((await wire.query("SELECT 1 AS ok")).rows).toEqual([{ ok: 1 }]);

    await until(() => Date.now() > expiryOf(token), { what: "the token's expiry", timeoutMs: 30_000 });
    expect((await wireEnded).message).toMatch(/workload token this session signed in with expired/);
    const since = new Date();
    await expect(tool(mcp, "list_connections")).rejects.toThrow(WORKLOAD_TOKEN_NOT_ACCEPTED);
    const refused = await httpCall(token);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toBe(
      `authentication failed: ${WORKLOAD_TOKEN_NOT_ACCEPTED}`,
    );
    // The admin's record says what the client was not told.
    const written = await refusalsSince(harness.prisma, since, 2);
    expect(written.map((attempt) => [attempt.path, attempt.refusal])).toEqual([
      ["mcp", "workload token refused: token expired"],
      ["http", "workload token refused: token expired"],
    ]);
    await mcp.close().catch(() => {});
  });
});
