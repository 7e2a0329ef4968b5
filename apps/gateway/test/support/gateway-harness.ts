import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createPrisma, type PrismaClient } from "@sluice/db/prisma";
import { createAgent } from "@sluice/db/seed/create-agent";
import { type CreateConnectionOptions, createConnection } from "@sluice/db/seed/create-connection";
import type { VerifyWorkloadToken } from "@sluice/identity/workload-token";
import type { DecisionPoint } from "@sluice/policy/verdict";
import type { UpstreamPoolIdleLimits } from "@sluice/transport/upstream-pool";
import { inject } from "vitest";
import { adminQuery, createTestDatabase, createTestStore } from "../../../../test/support";
import { startGateway } from "../../src/start-gateway";

export type Harness = Awaited<ReturnType<typeof startHarness>>;

export type HarnessOptions = {
  decisions?: DecisionPoint;
  isTlsEnabled?: boolean;
  /** Starts the MySQL listener too (0: a free port). */
  mysqlPort?: number;
  /** Starts the MCP endpoint too (0: a free port). */
  mcpPort?: number;
  /** Pooled upstream logins' idle limits, shortened so a test sees idle backends closed. */
  upstreamIdle?: UpstreamPoolIdleLimits;
  /**
   * Where the gateway reaches its store, given the store's URL (a relay the test can cut); the
   * harness's own `prisma`, for seeding and checking, always goes direct.
   */
  storeRoute?: (storeUrl: string) => string;
  /** Recording chunks' retry waits, shortened so a test's store outage outlasts them. */
  recordingRetryDelaysMs?: readonly number[];
  /** Chunk bytes all sessions may keep for the store, lowered so a test reaches the bound. */
  maxKeptRecordingBytes?: number;
  /** Starts the HTTP listener too (0: a free port). */
  httpPort?: number;
  /** Verifies workload tokens (e.g. without clock skew, for short-lived tokens); absent: the default. */
  verifyWorkloadToken?: VerifyWorkloadToken;
  /** Told every statement the gateway sends to its store (tests that count a path's round trips). */
  onStoreQuery?: (sql: string) => void;
  log?: (line: string) => void;
};

/**
 * A real gateway on a free port, in front of a real upstream database with its own login role, with
 * one agent allowed on one connection. Everything is created fresh and dropped by `stop`.
 */
export async function startHarness(options: HarnessOptions = {}) {
  const adminUrl = inject("adminUrl");
  const store = await createTestStore();
  const upstream = await createTestDatabase("up");
  const role = `up_${randomBytes(4).toString("hex")}`;
  const rolePassword = randomBytes(12).toString("base64url");
  await adminQuery(
    adminUrl,
    `SET password_encryption = 'scram-sha-256'; CREATE ROLE ${role} LOGIN PASSWORD '${rolePassword}'`,
  );
  await adminQuery(upstream.url, `GRANT ALL ON SCHEMA public TO ${role}`);
  await adminQuery(adminUrl, `GRANT ALL ON DATABASE ${upstream.name} TO ${role}`);
  const upstreamAsRole = new URL(upstream.url);
  upstreamAsRole.username = role;
  upstreamAsRole.password = rolePassword;

  const home = mkdtempSync(path.join(tmpdir(), "sluice-gw-"));
  const secretKey = randomBytes(32);
  const admin = new URL(adminUrl);
  const connectionName = "shop";
  await createConnection(store.prisma, {
    name: connectionName,
    host: admin.hostname,
    port: Number(admin.port),
    database: upstream.name,
    username: role,
    password: rolePassword,
    secretKey,
    tlsMode: "DISABLE",
    allowedGroups: ["analysts"],
  });
  const { agent, token } = await createAgent(store.prisma, { name: "agent-a", groups: ["analysts"] });
  const logs: string[] = [];
  const gatewayStoreUrl = options.storeRoute?.(store.url) ?? store.url;
  const gatewayPrisma =
    gatewayStoreUrl === store.url && !options.onStoreQuery
      ? store.prisma
      : createPrisma(gatewayStoreUrl, options.onStoreQuery ? { onQuery: options.onStoreQuery } : {});
  const gateway = await startGateway({
    prisma: gatewayPrisma,
    databaseUrl: gatewayStoreUrl,
    port: 0,
    secretKey,
    home,
    isTlsEnabled: options.isTlsEnabled ?? true,
    decisions: options.decisions,
    hosts: ["127.0.0.1"],
    ...(options.mysqlPort !== undefined ? { mysqlPort: options.mysqlPort } : {}),
    ...(options.mcpPort !== undefined ? { mcpPort: options.mcpPort } : {}),
    ...(options.upstreamIdle ? { upstreamIdle: options.upstreamIdle } : {}),
    ...(options.recordingRetryDelaysMs ? { recordingRetryDelaysMs: options.recordingRetryDelaysMs } : {}),
    ...(options.maxKeptRecordingBytes ? { maxKeptRecordingBytes: options.maxKeptRecordingBytes } : {}),
    ...(options.httpPort !== undefined ? { httpPort: options.httpPort } : {}),
    ...(options.verifyWorkloadToken ? { verifyWorkloadToken: options.verifyWorkloadToken } : {}),
    log: options.log ?? ((line) => logs.push(line)),
  });

  const urlFor = (agentName: string, secret: string, database = connectionName, query = "sslmode=disable") =>
    `postgresql://${encodeURIComponent(agentName)}:${encodeURIComponent(secret)}@127.0.0.1:${gateway.port}/${database}?${query}`;

  return {
    prisma: store.prisma as PrismaClient,
    /** The store's URL, for gateways started in other processes. */
    storeUrl: store.url,
    gateway,
    port: gateway.port,
    caFile: gateway.caFile,
    agent,
    token,
    connectionName,
    secretKey,
    logs,
    /** Connection string for the harness agent through the gateway. */
    url: urlFor(agent.name, token),
    urlFor,
    /** The same database reached directly as the brokered role, for side-by-side comparisons. */
    directUrl: upstreamAsRole.toString(),
    upstreamAdminUrl: upstream.url,
    addAgent: (name: string, groups: string[]) => createAgent(store.prisma, { name, groups }),
    /** Another connection in the store, allowed for the harness agent's group unless told otherwise. */
    addConnection: (connection: Omit<CreateConnectionOptions, "secretKey">) =>
      createConnection(store.prisma, { allowedGroups: ["analysts"], ...connection, secretKey }),
    /** Another Sluice connection to this same upstream database and role (rules of its own, same data). */
    addTwinConnection: (name: string) => {
      const direct = new URL(upstreamAsRole.toString());
      return createConnection(store.prisma, {
        allowedGroups: ["analysts"],
        name,
        host: direct.hostname,
        port: Number(direct.port),
        database: direct.pathname.slice(1),
        username: decodeURIComponent(direct.username),
        password: decodeURIComponent(direct.password),
        tlsMode: "DISABLE",
        secretKey,
      });
    },
    stop: async () => {
      await gateway.close();
      if (gatewayPrisma !== store.prisma) await gatewayPrisma.$disconnect();
      await store.drop();
      await upstream.drop();
      await adminQuery(adminUrl, `DROP ROLE IF EXISTS ${role}`);
      rmSync(home, { recursive: true, force: true });
    },
  };
}
