import net from "node:net";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { actorForUser } from "@sluice/admin/api-tokens";
import { decideReview } from "@sluice/admin/decide-review";
import { bumpPolicyVersion } from "@sluice/db/policy-version";
import type { GatewayCluster } from "@sluice/gateway/gateway-cluster";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until as waitUntil } from "../../../test/until";
import { type ClusterStage, startClusterStage } from "./support/cluster-stage";
import { type Harness, startHarness } from "./support/gateway-harness";

/** What starting a worker may take: the integration tier's hook budget, in which the first ones start. */
const WORKER_START_BUDGET_MS = 120_000;

let harness: Harness;
let cluster: ClusterStage;
let gateway: GatewayCluster;
let logs: string[];

beforeAll(async () => {
  harness = await startHarness({ isTlsEnabled: false });
  cluster = await startClusterStage(harness, { mcpPort: 0 });
  ({ gateway, logs } = cluster);
});
afterAll(async () => {
  await cluster?.stop();
  await harness?.stop();
});

const clusterUrl = () => cluster.url();

async function connectDirect() {
  const client = new pg.Client({ connectionString: harness.upstreamAdminUrl });
  await client.connect();
  return { client, [Symbol.asyncDispose]: () => client.end() };
}

const until = <T>(probe: () => Promise<T | null>) =>
  waitUntil(probe, { what: "the MCP answer", timeoutMs: 30_000, intervalMs: 250 });

/** The gateway workers (pids) of the live sessions in the store: each worker writes its own id. */
async function workersOfLiveSessions(): Promise<Set<string>> {
  const rows = await harness.prisma.gatewaySession.findMany({
    where: { endedAt: null, connection: { name: harness.connectionName } },
    select: { gatewayId: true },
  });
  return new Set(rows.map((row) => row.gatewayId.split(":")[1] ?? ""));
}

/**
 * Opens sessions in concurrent batches until both workers hold some: the kernel hands each
 * connection to whichever worker accepts first, so one batch may land on one worker only.
 */
async function sessionsOnEveryWorker(): Promise<pg.Client[]> {
  const clients: pg.Client[] = [];
  for (let batch = 0; batch < 20; batch++) {
    const opened = Array.from({ length: 6 }, () => new pg.Client({ connectionString: clusterUrl() }));
    await Promise.all(opened.map((client) => client.connect()));
    clients.push(...opened);
    const pids = await workersOfLiveSessions();
    if (gateway.workerPids().every((pid) => pids.has(String(pid)))) return clients;
  }
  throw new Error(`sessions stayed on one worker: ${[...(await workersOfLiveSessions())].join(", ")}`);
}

/** A CancelRequest on a connection of its own, as libpq sends it; lands on whichever worker accepts. */
function sendCancel(client: pg.Client): Promise<void> {
  const { processID, secretKey } = client as unknown as { processID: number; secretKey: number };
  const request = Buffer.alloc(16);
  request.writeInt32BE(16, 0);
  request.writeInt32BE(80877102, 4);
  request.writeInt32BE(processID, 8);
  request.writeInt32BE(secretKey, 12);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port: gateway.port }, () => socket.end(request));
    socket.on("close", () => resolve());
    socket.on("error", reject);
  });
}

describe("the gateway on two worker processes", () => {
  it("serves MCP from one worker, so a held call's outcome is found by every later request", async () => {
    await using direct = await connectDirect();
    await direct.client.query(`CREATE TABLE bonuses (id int, amount int); INSERT INTO bonuses VALUES (1, 500);
      GRANT ALL ON bonuses TO ${decodeURIComponent(new URL(harness.directUrl).username)}`);
    const shop = await harness.prisma.connection.findUniqueOrThrow({
      where: { name: harness.connectionName },
    });
    const group = await harness.prisma.reviewerGroup.create({ data: { name: "leads", idpGroup: "leads" } });
    await harness.prisma.reviewRule.create({
      data: {
        connectionId: shop.id,
        name: "bonus-reads",
        match: { tables: ["public.bonuses"] },
        groups: { create: [{ groupId: group.id }] },
      },
    });
    await bumpPolicyVersion(harness.prisma);
    const user = await harness.prisma.user.create({
      data: {
        issuer: "https://idp.test",
        subject: "lee",
        email: "lee@example.test",
        idpGroups: ["leads"],
        roles: ["REVIEWER"],
      },
    });
    const actor = await actorForUser(harness.prisma, user.id);
    if (!actor) throw new Error("no actor");

    const url = new URL(`http://127.0.0.1:${gateway.mcpPort}/mcp`);
    // A fresh client (a new TCP connection) per call: any worker accepting one would lose the held call.
    const tool = async (name: string, args: Record<string, unknown>) => {
      const client = new Client({ name: "cluster-test", version: "1.0.0" });
      await client.connect(
        new StreamableHTTPClientTransport(url, {
          requestInit: { headers: { authorization: `Bearer ${harness.token}` } },
        }),
      );
      try {
        return (await client.callTool({ name, arguments: args })).structuredContent as Record<
          string,
          unknown
        >;
      } finally {
        await client.close();
      }
    };
    const held = await until(async () => {
      const answer = await tool("run_query", {
        connection: harness.connectionName,
        sql: "SELECT amount FROM bonuses",
      });
      return answer.status === "held" ? answer : null; // until both workers have the new rule
    });
    const review = await harness.prisma.review.findFirstOrThrow({
      where: { number: Number(String(held.review).slice(2)) },
    });
    await decideReview(
      { db: harness.prisma, actor, secretKey: harness.secretKey },
      { reviewId: review.id, input: { verdict: "APPROVE" } },
    );
    const done = await until(async () => {
      const answer = await tool("review_status", { review: held.review });
      return answer.status === "held" ? null : answer;
    });
    expect(done).toMatchObject({ status: "ok", results: [{ rows: [["500"]] }] });
    for (let i = 0; i < 4; i++)
      expect(await tool("review_status", { review: held.review })).toMatchObject({ status: "ok" });
    // The calls above may share one kept-alive connection (one worker either way), so the design
    // itself is checked: exactly one worker listens for MCP.
    expect(logs.filter((line) => line.includes("MCP endpoint listening on port"))).toHaveLength(1);
  });

  it("serves sessions on both workers, cancels across them, and revokes on both", async () => {
    expect(gateway.workerPids()).toHaveLength(2);
    const clients = await sessionsOnEveryWorker();
    for (const client of clients) expect((await client.query("SELECT 1 AS ok")).rows).toEqual([{ ok: 1 }]);

    // Each cancel reaches a random worker: about half land on the other worker than the session's,
    // and must be forwarded there. Every one must cancel its statement.
    const outcomes: unknown[] = [];
    for (const client of clients) {
      const backend = await upstreamPid(client);
      const running = client.query("SELECT pg_sleep(60)").catch((error: pg.DatabaseError) => error);
      await waitUntilSleeping(backend);
      await sendCancel(client);
      outcomes.push(await running);
    }
    for (const outcome of outcomes) expect(outcome).toMatchObject({ code: "57014" });
    for (const client of clients) expect((await client.query("SELECT 2 AS ok")).rows).toEqual([{ ok: 2 }]);

    // Disabling the connection ends every session, on both workers.
    const ended = clients.map(
      (client) =>
        new Promise<pg.DatabaseError>((resolve) => client.on("error", (e) => resolve(e as pg.DatabaseError))),
    );
    await harness.prisma.connection.update({
      where: { name: harness.connectionName },
      data: { isDisabled: true },
    });
    for (const error of await Promise.all(ended))
      expect(error).toMatchObject({ code: "28000", severity: "FATAL" });
    await Promise.all(clients.map((client) => client.end().catch(() => {})));
    await harness.prisma.connection.update({
      where: { name: harness.connectionName },
      data: { isDisabled: false },
    });
  }, 120_000);

  // Last: it leaves the cluster with one worker.
  it(
    "replaces a worker that crashes, but not one stopped by a signal (the whole group is stopping)",
    async () => {
      const started = Date.now();
      // Workers that die right after starting are not replaced (a crash loop); these are older.
      await waitUntil(async () => (Date.now() - started > 5_500 ? true : null), {
        what: "the workers to outlive the crash-loop guard",
        timeoutMs: 10_000,
        intervalMs: 250,
      });
      const [crashing] = gateway.workerPids();
      process.kill(crashing as number, "SIGKILL");
      await waitUntil(
        async () => {
          const pids = gateway.workerPids();
          return pids.length === 2 &&
            !pids.includes(crashing as number) &&
            logs.some((line) => line.includes("a replacement gateway worker is serving"))
            ? pids
            : null;
        },
        // A replacement starts as the first workers did (tsx, WebAssembly, the store): on a busy
        // 2-core machine that took 40 s and more, so it gets the budget the suite gives their start.
        { what: "a replacement worker", timeoutMs: WORKER_START_BUDGET_MS, intervalMs: 250 },
      );
      const [original] = gateway.workerPids().filter((pid) => pid !== crashing);
      process.kill(original as number, "SIGTERM");
      await waitUntil(async () => (logs.some((line) => line.includes("stopped by a signal")) ? true : null), {
        what: "the stopped worker's exit",
        timeoutMs: 30_000,
        intervalMs: 250,
      });
      expect(gateway.workerPids()).not.toContain(original);
      expect(gateway.workerPids()).toHaveLength(1);
      // The survivor still serves.
      const client = new pg.Client({ connectionString: clusterUrl() });
      await client.connect();
      expect((await client.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
      await client.end();
    },
    2 * WORKER_START_BUDGET_MS,
  );
});

/** The upstream backend behind a session: the gateway keeps one per session for its whole life. */
async function upstreamPid(client: pg.Client): Promise<number> {
  return (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid as number;
}

/**
 * Waits until this session's own backend runs the sleep: a cancel sent before it would be lost.
 * Any backend would not do: the previous session's, cancelled a moment ago, still shows its sleep
 * as active after its client got the error (the server sends the error before it reports idle),
 * and a cancel sent on the strength of it reaches this session's backend before its statement.
 */
async function waitUntilSleeping(pid: number): Promise<void> {
  const direct = new pg.Client({ connectionString: harness.upstreamAdminUrl });
  await direct.connect();
  try {
    for (;;) {
      const { rows } = await direct.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1 AND query = 'SELECT pg_sleep(60)' AND state = 'active'",
        [pid],
      );
      if (rows[0].n > 0) return;
    }
  } finally {
    await direct.end();
  }
}
