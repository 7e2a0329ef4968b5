import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatewayCluster } from "../../apps/gateway/src/gateway-cluster";
import { ORPHANED_END_REASON } from "../../apps/gateway/src/orphaned-sessions";
import { type ClusterStage, startClusterStage } from "../../apps/gateway/test/support/cluster-stage";
import { type Harness, startHarness } from "../../apps/gateway/test/support/gateway-harness";
import { actorForUser } from "../../packages/admin/src/api-tokens";
import { decideReview } from "../../packages/admin/src/decide-review";
import { adminQuery } from "../support";
import { until } from "../until";

/**
 * A gateway worker killed (SIGKILL: no shutdown, nothing flushed) while one of its sessions waits
 * on a review and its recording is being written. What must hold:
 * - the agent sees its connection end (no answer can come from a dead process), and a new
 *   connection is served by the surviving or replacement worker;
 * - the held statement never runs: the review is abandoned, and an approval that comes later is
 *   refused and runs nothing;
 * - the session is ended in the store and marked incomplete (no end anchor), its stored chunks
 *   intact, instead of showing as live forever.
 */
let harness: Harness;
let cluster: ClusterStage;
let gateway: GatewayCluster;

beforeAll(async () => {
  harness = await startHarness({ isTlsEnabled: false });
  const role = decodeURIComponent(new URL(harness.directUrl).username);
  await adminQuery(
    harness.upstreamAdminUrl,
    `CREATE TABLE bonuses (id int PRIMARY KEY, amount int); INSERT INTO bonuses VALUES (1, 500);
     GRANT ALL ON bonuses TO ${role}`,
  );
  const shop = await harness.prisma.connection.findUniqueOrThrow({ where: { name: harness.connectionName } });
  const group = await harness.prisma.reviewerGroup.create({ data: { name: "leads", idpGroup: "leads" } });
  // In place before the workers start, so no statement can slip past a rule not yet loaded.
  await harness.prisma.reviewRule.create({
    data: {
      connectionId: shop.id,
      name: "bonus-changes",
      match: { tables: ["public.bonuses"] },
      groups: { create: [{ groupId: group.id }] },
    },
  });
  // The worker is killed seconds after it started, well inside the production crash-loop guard,
  // which would leave it unreplaced (on a quiet machine; a loaded one took long enough).
  cluster = await startClusterStage(harness, { minWorkerLifetimeMs: 0 });
  gateway = cluster.gateway;
});
afterAll(async () => {
  await cluster?.stop();
  await harness?.stop();
});

const clusterUrl = () => cluster.url();

const amount = async () =>
  (await adminQuery(harness.upstreamAdminUrl, "SELECT amount FROM bonuses WHERE id = 1")).rows[0]?.amount;

describe("a gateway worker killed mid-review and mid-recording", () => {
  it("ends the agent's connection, never runs the held statement, and marks the recording incomplete", async () => {
    const agent = new pg.Client({ connectionString: clusterUrl() });
    const agentErrors: Error[] = [];
    agent.on("error", (error) => agentErrors.push(error));
    await agent.connect();
    for (let i = 0; i < 3; i++) expect((await agent.query("SELECT $1::int AS i", [i])).rows).toEqual([{ i }]);
    const held = agent.query("UPDATE bonuses SET amount = 0 WHERE id = 1").catch((error: Error) => error);
    const review = await until(
      () => harness.prisma.review.findFirst({ where: { status: "PENDING" }, orderBy: { number: "desc" } }),
      { what: "the UPDATE held for review", timeoutMs: 30_000, intervalMs: 100 },
    );
    const session = await harness.prisma.gatewaySession.findUniqueOrThrow({
      where: { id: review.sessionId ?? "" },
    });
    // Mid-recording: the queries and the hold are in stored chunks, the session not ended.
    await until(() => harness.prisma.recordingChunk.count({ where: { sessionId: session.id } }), {
      what: "the session's first recording chunk stored",
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    const pid = Number(session.gatewayId.split(":")[1]);
    expect(gateway.workerPids()).toContain(pid);

    process.kill(pid, "SIGKILL");

    // What the agent sees: its connection ends; nothing answers for a dead process.
    const outcome = await held;
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error).message).toMatch(/Connection terminated unexpectedly|ECONNRESET/);

    // The replacement worker finds the review's holder gone and abandons it.
    const abandoned = await until(
      async () => {
        const row = await harness.prisma.review.findUniqueOrThrow({ where: { id: review.id } });
        return row.status === "PENDING" ? null : row;
      },
      { what: "the review abandoned", timeoutMs: 90_000, intervalMs: 250 },
    );
    expect(abandoned.status).toBe("ABANDONED");
    // A reviewer's approval after that is refused, and nothing runs.
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
    if (!actor) throw new Error("no actor for the reviewer");
    await expect(
      decideReview(
        { db: harness.prisma, actor, secretKey: harness.secretKey },
        { reviewId: review.id, input: { verdict: "APPROVE" } },
      ),
    ).rejects.toThrow();
    expect((await harness.prisma.review.findUniqueOrThrow({ where: { id: review.id } })).status).toBe(
      "ABANDONED",
    );
    expect(await amount()).toBe(500);

    // The session is ended and marked incomplete: no end anchor, the stored chunks as they were.
    const ended = await until(
      async () => {
        const row = await harness.prisma.gatewaySession.findUniqueOrThrow({ where: { id: session.id } });
        return row.endedAt ? row : null;
      },
      { what: "the orphaned session ended", timeoutMs: 90_000, intervalMs: 250 },
    );
    expect(ended.endReason).toBe(ORPHANED_END_REASON);
    expect(ended.recordingChunks).toBeNull();
    const chunks = await harness.prisma.recordingChunk.findMany({
      where: { sessionId: session.id },
      select: { seq: true },
      orderBy: { seq: "asc" },
    });
    expect(chunks.map((chunk) => chunk.seq)).toEqual(chunks.map((_, seq) => seq));

    // Other agents carry on: a new connection is served, and the worker was replaced.
    const next = new pg.Client({ connectionString: clusterUrl() });
    await next.connect();
    expect((await next.query("SELECT 'served' AS status")).rows).toEqual([{ status: "served" }]);
    await next.end();
    await until(() => gateway.workerPids().length === 2 && !gateway.workerPids().includes(pid), {
      what: "a replacement worker",
      timeoutMs: 60_000,
    });
    console.log(
      `worker killed: agent saw "${(outcome as Error).message}"; review ${abandoned.status}; session ended "${ended.endReason}"; ${chunks.length} chunks kept; logs: ${cluster.logs.filter((line) => /exited|replacement|ended \d+ sessions/.test(line)).join(" | ")}`,
    );
  }, 240_000);
});
