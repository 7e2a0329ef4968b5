import type { ChildProcess } from "node:child_process";
import { hostname } from "node:os";
import type { AdminContext } from "@sluice/admin/actor";
import type { AdminError } from "@sluice/admin/admin-error";
import { decideReview } from "@sluice/admin/decide-review";
import { HEARTBEAT_MS } from "@sluice/reviews/gateway-liveness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENDED_ELSEWHERE_REASON } from "../src/ended-elsewhere";
import { spawnGatewayChild } from "./support/gateway-child";
import type { Harness } from "./support/gateway-harness";
import { connect as connectAgent, type ReviewStage, startReviewStage, until } from "./support/review-stage";

/**
 * Reviews across gateway processes sharing one store: a decision made in one releases a statement
 * held by another; a holder that dies, goes silent or shuts down; heartbeats.
 */
let stage: ReviewStage;
let harness: Harness;
let rey: AdminContext;
beforeAll(async () => {
  stage = await startReviewStage();
  ({ harness, rey } = stage);
});
afterAll(() => harness?.stop());

const connect = (url = harness.url) => connectAgent(url);
const pendingReview = (statement?: string) => stage.pendingReview(statement);
const pollsByOthers = (holderId: string | null) => stage.pollsByOthers(holderId);

describe("several gateway processes", () => {
  const processes: ChildProcess[] = [];
  afterAll(() => {
    for (const child of processes) child.kill("SIGKILL");
  });

  async function spawnGateway() {
    const gateway = await spawnGatewayChild(harness);
    processes.push(gateway.child);
    return gateway;
  }

  const urlOn = (port: number) => harness.url.replace(`:${harness.port}/`, `:${port}/`);

  it("a decision made here releases a statement held by another gateway process", async () => {
    const other = await spawnGateway();
    const agent = await connect(urlOn(other.port));
    try {
      const pending = agent.client.query("SELECT salary FROM employees WHERE id = 1");
      const review = await pendingReview("SELECT salary FROM employees WHERE id = 1");
      expect(review.gatewayId).toMatch(new RegExp(`:${other.pid}:[0-9a-f]{8}$`));
      await decideReview(rey, { reviewId: review.id, input: { verdict: "APPROVE" } });
      expect((await pending).rows).toEqual([{ salary: "120000" }]);
    } finally {
      await agent.client.end();
      other.child.kill("SIGTERM");
    }
  });

  it("a gateway that dies holding a statement: the client loses its connection, the review is abandoned at the next start", async () => {
    const doomed = await spawnGateway();
    const agent = await connect(urlOn(doomed.port));
    const pending = agent.client.query("SELECT salary FROM employees WHERE id = 2 AND true");
    const review = await pendingReview("SELECT salary FROM employees WHERE id = 2 AND true");
    process.kill(doomed.pid, "SIGKILL");
    await expect(pending).rejects.toThrow();
    await agent.client.end().catch(() => {});
    await new Promise((resolve) => doomed.child.once("exit", resolve));
    const successor = await spawnGateway();
    await until(
      async () =>
        (await harness.prisma.review.findUniqueOrThrow({ where: { id: review.id } })).status === "ABANDONED",
      "abandonment",
    );
    const late = await decideReview(rey, { reviewId: review.id, input: { verdict: "APPROVE" } }).catch(
      (e: unknown) => e,
    );
    expect((late as AdminError).kind).toBe("conflict");
    successor.child.kill("SIGTERM");
  });

  it("a gateway that goes silent holding a statement (its host hung or lost the store): another gateway abandons the review, and the holder refuses it when it wakes", async () => {
    const silent = await spawnGateway();
    const agent = await connect(urlOn(silent.port));
    try {
      const pending = agent.client.query("SELECT salary FROM employees WHERE id = 3 AND true");
      const review = await pendingReview("SELECT salary FROM employees WHERE id = 3 AND true");
      // While the holder's heartbeat is fresh, the other gateways' polls leave its review alone.
      await pollsByOthers(review.gatewayId);
      expect((await harness.prisma.review.findUniqueOrThrow({ where: { id: review.id } })).status).toBe(
        "PENDING",
      );
      // Alive on this host (so not an orphan by pid), but silent: stopped, its last heartbeat long ago.
      process.kill(silent.pid, "SIGSTOP");
      await harness.prisma.gatewayHeartbeat.update({
        where: { gatewayId: review.gatewayId ?? "" },
        data: { seenAt: new Date(Date.now() - 3_600_000) },
      });
      await until(
        async () =>
          (await harness.prisma.review.findUniqueOrThrow({ where: { id: review.id } })).status ===
          "ABANDONED",
        "abandonment by the harness's gateway",
      );
      const late = await decideReview(rey, { reviewId: review.id, input: { verdict: "APPROVE" } }).catch(
        (e: unknown) => e,
      );
      expect((late as AdminError).kind).toBe("conflict");
      process.kill(silent.pid, "SIGCONT");
      // On waking, two checks race and either may speak first: the held statement learns its review
      // was abandoned, or the session check learns another gateway ended this session. Both refuse;
      // what must never happen is the statement running (the review stays ABANDONED, not EXECUTED).
      const abandoned = `review R-${review.number} ended abandoned without approval; nothing was run`;
      const error = await pending.then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(
        [abandoned, ENDED_ELSEWHERE_REASON].some((text) => error?.message.includes(text)),
        String(error),
      ).toBe(true);
      expect((await harness.prisma.review.findUniqueOrThrow({ where: { id: review.id } })).status).toBe(
        "ABANDONED",
      );
    } finally {
      process.kill(silent.pid, "SIGCONT");
      await agent.client.end().catch(() => {});
      silent.child.kill("SIGTERM");
    }
  });

  it("a live gateway keeps its heartbeat fresh, on the store's clock", async () => {
    const own = async () =>
      harness.prisma.gatewayHeartbeat.findFirstOrThrow({
        where: { gatewayId: { startsWith: `${hostname()}:${process.pid}:` } },
      });
    const before = await own();
    await until(async () => (await own()).seenAt > before.seenAt, "a newer heartbeat", HEARTBEAT_MS + 3000);
  });

  it("a review held by a gateway that never wrote a heartbeat (one from before heartbeats) is left to expire", async () => {
    const template = await harness.prisma.review.findFirstOrThrow();
    const legacy = await harness.prisma.review.create({
      data: {
        agentId: template.agentId,
        connectionId: template.connectionId,
        statement: "SELECT 1 /* held by an older gateway */",
        statementHash: "legacy",
        isBlocking: true,
        gatewayId: "older-host:4242",
        requestedAt: new Date(Date.now() - 3_600_000),
        expiresAt: new Date(Date.now() + 3_600_000),
      },
    });
    await pollsByOthers(legacy.gatewayId);
    expect((await harness.prisma.review.findUniqueOrThrow({ where: { id: legacy.id } })).status).toBe(
      "PENDING",
    );
    await harness.prisma.review.delete({ where: { id: legacy.id } });
  });

  it("a gateway shutting down refuses what it holds, with a reason, and abandons the review", async () => {
    const closing = await spawnGateway();
    const agent = await connect(urlOn(closing.port));
    try {
      const pending = agent.client.query("SELECT first_name FROM employees WHERE salary > 0");
      const review = await pendingReview("SELECT first_name FROM employees WHERE salary > 0");
      closing.child.kill("SIGTERM");
      await expect(pending).rejects.toThrow(
        `the gateway shut down while review R-${review.number} was pending; it was abandoned and will not run`,
      );
      expect((await harness.prisma.review.findUniqueOrThrow({ where: { id: review.id } })).status).toBe(
        "ABANDONED",
      );
    } finally {
      await agent.client.end().catch(() => {});
    }
  });
});
