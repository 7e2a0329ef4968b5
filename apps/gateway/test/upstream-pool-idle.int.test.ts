import { randomBytes } from "node:crypto";
import type { UpstreamPool } from "@sluice/transport/upstream-pool";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminQuery } from "../../../test/support";
import { until } from "../../../test/until";
import { type Harness, startHarness } from "./support/gateway-harness";

/**
 * Idle pooled logins give their server slots back: closed after the idle timeout, and past the
 * process's idle cap the longest idle goes first. The limits are shortened here; the server's own
 * pg_stat_activity says which backends are still there.
 */

/** Short enough to wait for, long enough that the test sees the backend idle in the pool first. */
const IDLE_CLOSE_MS = 1500;
const MAX_IDLE_LOGINS = 2;

async function connect(harness: Harness, connectionName: string): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: harness.urlFor(harness.agent.name, harness.token, connectionName),
  });
  client.on("error", () => {});
  await client.connect();
  return client;
}

async function backendPid(client: pg.Client): Promise<number> {
  return (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid as number;
}

/** Which of these backends the upstream still runs. */
async function liveBackends(harness: Harness, pids: number[]): Promise<number[]> {
  const { rows } = await adminQuery(
    harness.upstreamAdminUrl,
    "SELECT pid FROM pg_stat_activity WHERE pid = ANY($1::int[]) ORDER BY pid",
    [pids],
  );
  return (rows as { pid: number }[]).map((row) => row.pid);
}

const poolOf = (harness: Harness) => harness.gateway.server.upstreams as UpstreamPool;

describe("an idle pooled login", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ isTlsEnabled: false, upstreamIdle: { idleCloseMs: IDLE_CLOSE_MS } });
  });
  afterAll(async () => {
    await harness?.stop();
  });

  it("is closed on the server once unused for the idle timeout", async () => {
    const connection = await harness.addTwinConnection(`idle_${randomBytes(3).toString("hex")}`);
    const client = await connect(harness, connection.name);
    const pid = await backendPid(client);
    await client.end();
    // Pooled first (so what follows is the idle timeout, not a session that was never kept).
    await until(() => poolOf(harness).stats(connection.id).idle === 1, {
      what: "the login back in the pool",
    });
    expect(await liveBackends(harness, [pid])).toEqual([pid]);
    await until(async () => (await liveBackends(harness, [pid])).length === 0, {
      what: "the idle backend to exit on the server",
      timeoutMs: 30_000,
    });
    expect(poolOf(harness).stats(connection.id)).toEqual({ open: 0, idle: 0, waiting: 0 });
    // The next connect logs in afresh and works.
    const next = await connect(harness, connection.name);
    expect(await backendPid(next)).not.toBe(pid);
    await next.end();
  });
});

describe("the process's idle cap", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ isTlsEnabled: false, upstreamIdle: { maxIdleLogins: MAX_IDLE_LOGINS } });
  });
  afterAll(async () => {
    await harness?.stop();
  });

  it("closes the longest idle logins, across connections, past the cap", async () => {
    const first = await harness.addTwinConnection(`cap_a_${randomBytes(3).toString("hex")}`);
    const second = await harness.addTwinConnection(`cap_b_${randomBytes(3).toString("hex")}`);
    const pool = poolOf(harness);
    const clients = await Promise.all([1, 2, 3].map(() => connect(harness, first.name)));
    const pids = await Promise.all(clients.map(backendPid));
    const other = await connect(harness, second.name);
    const otherPid = await backendPid(other);
    // Released one at a time, so which is idle longest is known.
    for (const [index, client] of clients.entries()) {
      await client.end();
      const kept = Math.min(index + 1, MAX_IDLE_LOGINS);
      const inUse = clients.length - index - 1;
      await until(() => pool.stats(first.id).idle === kept && pool.stats(first.id).open === kept + inUse, {
        what: `${kept} idle logins after ${index + 1} sessions ended`,
      });
    }
    const [oldest, middle, newest] = pids as [number, number, number];
    await until(async () => (await liveBackends(harness, [oldest])).length === 0, {
      what: "the first released backend to exit",
    });
    expect(await liveBackends(harness, pids)).toEqual([middle, newest].sort((a, b) => a - b));

    // Another connection's login coming back makes room by closing the first connection's oldest.
    await other.end();
    await until(() => pool.stats(second.id).idle === 1 && pool.stats(first.id).open === 1, {
      what: "the other connection's login kept and the first's oldest closed",
    });
    await until(async () => (await liveBackends(harness, [middle])).length === 0, {
      what: "the longest idle backend to exit",
    });
    expect(await liveBackends(harness, [...pids, otherPid])).toEqual(
      [newest, otherPid].sort((a, b) => a - b),
    );
  });
});
