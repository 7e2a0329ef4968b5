import { HEARTBEAT_MS, HOLDER_SILENCE_MS } from "@sluice/reviews/gateway-liveness";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminQuery } from "../../../test/support";
import { ENDED_ELSEWHERE_REASON } from "../src/ended-elsewhere";
import { endOrphanedSessions, ORPHANED_END_REASON } from "../src/orphaned-sessions";
import { type GatewayChild, spawnGatewayChild } from "./support/gateway-child";
import { type Harness, startHarness } from "./support/gateway-harness";
import { until } from "./support/review-stage";

/**
 * A gateway whose heartbeat really stalls: its process stopped with SIGSTOP (what a blocked event
 * loop or a store it cannot reach looks like from outside), then resumed. A stall of a couple of
 * beats must not cost its sessions; a stall past HOLDER_SILENCE_MS lets the others end them, and
 * the gateway, once resumed, must close them rather than run on as ghosts.
 */
let harness: Harness;
let stalled: GatewayChild;
beforeAll(async () => {
  harness = await startHarness({ isTlsEnabled: false });
  await adminQuery(harness.directUrl, "CREATE TABLE data (id int); INSERT INTO data VALUES (1), (2)");
  stalled = await spawnGatewayChild(harness);
});
afterAll(async () => {
  if (stalled) {
    process.kill(stalled.pid, "SIGCONT");
    stalled.child.kill("SIGKILL");
  }
  await harness?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** What another gateway's sweep does (it runs every 10 s; called here so the test need not wait). */
const sweepAsAnotherGateway = () => endOrphanedSessions(harness.prisma, "sweeper:1:00000000");

/** Stops the gateway for `ms`; another gateway's sweep meanwhile must end none of its sessions. */
async function stallFor(ms: number): Promise<void> {
  process.kill(stalled.pid, "SIGSTOP");
  try {
    await sleep(ms);
    expect(await sweepAsAnotherGateway()).toBe(0);
  } finally {
    process.kill(stalled.pid, "SIGCONT");
  }
}

async function sessionRowOf(client: pg.Client) {
  const pid = (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid;
  expect(pid).toBeTypeOf("number");
  return harness.prisma.gatewaySession.findFirstOrThrow({
    where: { gatewayId: { contains: `:${stalled.pid}:` } },
    orderBy: { startedAt: "desc" },
  });
}

async function connect(): Promise<{ client: pg.Client; errors: Error[] }> {
  const client = new pg.Client({ connectionString: stalled.url });
  const errors: Error[] = [];
  client.on("error", (error) => errors.push(error));
  await client.connect();
  return { client, errors };
}

describe("a gateway whose heartbeat stalls", () => {
  it("keeps its sessions through a stall of two heartbeats: the others wait several beats", async () => {
    const { client } = await connect();
    try {
      const row = await sessionRowOf(client);
      await stallFor(2 * HEARTBEAT_MS);
      expect(
        (await harness.prisma.gatewaySession.findUniqueOrThrow({ where: { id: row.id } })).endedAt,
      ).toBeNull();
      expect((await client.query("SELECT count(*)::int AS n FROM data")).rows).toEqual([{ n: 2 }]);
    } finally {
      await client.end().catch(() => {});
    }
  }, 60_000);

  it("closes, once resumed, the sessions another gateway ended while it was silent: no ghosts", async () => {
    const { client, errors } = await connect();
    const row = await sessionRowOf(client);
    process.kill(stalled.pid, "SIGSTOP");
    try {
      // Silent past the limit, on the store's clock: the other gateways take it for dead.
      await until(
        async () => (await sweepAsAnotherGateway()) > 0,
        "another gateway to end the silent gateway's sessions",
        HOLDER_SILENCE_MS + 20_000,
      );
      const ended = await harness.prisma.gatewaySession.findUniqueOrThrow({ where: { id: row.id } });
      expect(ended.endReason).toBe(ORPHANED_END_REASON);
    } finally {
      process.kill(stalled.pid, "SIGCONT");
    }
    // Resumed: the session the console shows as ended must not keep answering.
    await until(async () => errors[0], "the resumed gateway to close the session", 10_000);
    expect(errors[0]).toMatchObject({ code: "57P01", message: ENDED_ELSEWHERE_REASON });
    await expect(client.query("SELECT 1")).rejects.toThrow();
    // The client hears the FATAL first; the row's end is written after it, as the session closes.
    const endReason = async () =>
      (await harness.prisma.gatewaySession.findUniqueOrThrow({ where: { id: row.id } })).endReason;
    await until(
      async () => (await endReason()) === ENDED_ELSEWHERE_REASON,
      "the closed session's reason",
      10_000,
    );
    // And it keeps serving: a new session on the resumed gateway works.
    const fresh = await connect();
    expect((await fresh.client.query("SELECT count(*)::int AS n FROM data")).rows).toEqual([{ n: 2 }]);
    await fresh.client.end();
  }, 120_000);
});
