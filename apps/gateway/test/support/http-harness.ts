import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { bumpPolicyVersion } from "@sluice/db/policy-version";
import { createPrisma, type PrismaClient } from "@sluice/db/prisma";
import { createAgent } from "@sluice/db/seed/create-agent";
import { createConnection } from "@sluice/db/seed/create-connection";
import { createTestStore } from "../../../../test/support";
import { startGateway } from "../../src/start-gateway";
import { startJsonUpstream, UPSTREAM_KEY } from "./json-upstream";

export type HttpHarness = Awaited<ReturnType<typeof startHttpHarness>>;

/**
 * A real gateway with its HTTP listener on a free port, in front of a real JSON upstream whose key
 * the gateway brokers, with connection `shop` (base path /api) allowed for agent-a's group.
 */
export async function startHttpHarness(
  options: {
    isTlsEnabled?: boolean;
    /** Chunk bytes all sessions may keep for the store, lowered so a test reaches the bound. */
    maxKeptRecordingBytes?: number;
    /** Told every statement the gateway sends to the store (tests that count a call's round trips). */
    onStoreQuery?: (sql: string) => void;
    /** Where the upstream listens and what the connection record names: 127.0.0.1 unless said. */
    upstreamHost?: "127.0.0.1" | "::1";
  } = {},
) {
  const store = await createTestStore();
  // The gateway's own client when its statements are counted; the test's writes stay uncounted.
  const gatewayPrisma = options.onStoreQuery
    ? createPrisma(store.url, { onQuery: options.onStoreQuery })
    : store.prisma;
  const upstreamHost = options.upstreamHost ?? "127.0.0.1";
  const upstream = await startJsonUpstream(undefined, upstreamHost);
  const home = mkdtempSync(path.join(tmpdir(), "sluice-http-"));
  const secretKey = randomBytes(32);
  const connection = await createConnection(store.prisma, {
    name: "shop",
    type: "HTTP",
    host: upstreamHost,
    port: upstream.port,
    database: "/api",
    username: "unused",
    password: UPSTREAM_KEY,
    httpAuthKind: "BEARER",
    secretKey,
    tlsMode: "DISABLE",
    allowedGroups: ["analysts"],
  });
  const { agent, token } = await createAgent(store.prisma, { name: "agent-a", groups: ["analysts"] });
  const logs: string[] = [];
  const gateway = await startGateway({
    prisma: gatewayPrisma,
    databaseUrl: store.url,
    port: 0,
    httpPort: 0,
    secretKey,
    home,
    isTlsEnabled: options.isTlsEnabled ?? false,
    hosts: ["127.0.0.1"],
    ...(options.maxKeptRecordingBytes ? { maxKeptRecordingBytes: options.maxKeptRecordingBytes } : {}),
    log: (line) => logs.push(line),
  });
  const scheme = options.isTlsEnabled ? "https" : "http";
  const base = `${scheme}://127.0.0.1:${gateway.httpPort}`;
  return {
    prisma: store.prisma as PrismaClient,
    /** The store's URL, for a test that holds its tables (locks) beside the gateway. */
    storeUrl: store.url,
    gateway,
    upstream,
    connection,
    agent,
    token,
    logs,
    secretKey,
    base,
    /** `fetch` through the gateway as agent-a. */
    call: (target: string, init: RequestInit = {}) =>
      fetch(`${base}${target}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
      }),
    /** Applies store changes to the running gateway now (the store also notifies it). */
    reloadPolicy: async () => {
      await bumpPolicyVersion(store.prisma);
      await gateway.policies.reload();
    },
    stop: async () => {
      await gateway.close();
      if (gatewayPrisma !== store.prisma) await gatewayPrisma.$disconnect();
      await upstream.close();
      await store.drop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
