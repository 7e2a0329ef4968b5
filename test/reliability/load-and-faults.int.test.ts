import type net from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../../apps/gateway/test/support/gateway-harness";
import { bytes } from "../../apps/gateway/test/support/raw-client";
import { rawLogin } from "../../apps/gateway/test/support/raw-login";
import { adminQuery } from "../support";
import { until } from "../until";

/**
 * The gateway under many sessions and under faults, with the upstream as the oracle. CI holds
 * SLUICE_LOAD_SESSIONS sessions (default 60, capped below the test server's max_connections);
 * `scripts/reliability-long.sh` holds more against a server configured for them.
 */
const SESSIONS = Number(process.env.SLUICE_LOAD_SESSIONS ?? 60);
/**
 * How long round 1 holds its sessions, each asking a question now and then, while the bystander's
 * latency is sampled (CI: 0, held only while checked; the long run: minutes).
 */
const HOLD_SECONDS = Number(process.env.SLUICE_LOAD_HOLD_SECONDS ?? 0);
/** How often each held session asks its question during the hold. */
const HOLD_QUERY_EVERY_MS = 5000;
/** How often the bystander's latency is sampled, before the load and during the hold. */
const LATENCY_SAMPLE_EVERY_MS = 200;
/** How long the bystander's unloaded latency is sampled before the hold's sessions connect. */
const BASELINE_MS = 10_000;
/** The slow client's result: rows of 1000 bytes, far more than any socket buffer holds. */
const SLOW_ROWS = 100_000;

let harness: Harness;
let bystander: pg.Client;
beforeAll(async () => {
  harness = await startHarness({ isTlsEnabled: false });
  await adminQuery(
    harness.directUrl,
    "CREATE TABLE data (id int PRIMARY KEY, v text); INSERT INTO data SELECT g, 'row ' || g FROM generate_series(1, 50) g",
  );
  bystander = await connect();
});
afterAll(async () => {
  await bystander?.end().catch(() => {});
  await harness?.stop();
});

async function connect(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: harness.url });
  client.on("error", () => {});
  await client.connect();
  return client;
}

const rssMb = () => process.memoryUsage().rss / 1024 / 1024;

async function expectBystanderFine() {
  const { rows } = await bystander.query("SELECT count(*)::int AS n FROM data");
  expect(rows).toEqual([{ n: 50 }]);
}

type SessionView = { token: string; pid: number; value: string; product: number; tempTable: string | null };

/**
 * One agent session's own state and answers: a setting and a temporary table only it wrote, and a
 * query whose answer depends on its index. Returned as the server saw them, to be checked against
 * what this session alone should see.
 */
async function viewOf(client: pg.Client, index: number): Promise<SessionView> {
  const { rows } = await client.query<SessionView>(
    `SELECT coalesce(current_setting('app.token', true), '') AS token, pg_backend_pid() AS pid,
            (SELECT v FROM data WHERE id = $1) AS value, $2::int * 7 AS product,
            to_regclass('pg_temp.mine')::text AS "tempTable"`,
    [(index % 50) + 1, index],
  );
  return rows[0] as SessionView;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;

/** The bystander's query latencies (ms, sorted) sampled until `isDone()`. */
async function sampleBystander(isDone: () => boolean): Promise<number[]> {
  const samples: number[] = [];
  while (!isDone()) {
    const started = performance.now();
    await expectBystanderFine();
    samples.push(performance.now() - started);
    await sleep(LATENCY_SAMPLE_EVERY_MS);
  }
  return samples.sort((a, b) => a - b);
}

/**
 * Holds `clients` for HOLD_SECONDS, each asking its own question every few seconds (answers
 * checked), while the bystander's latency is compared with its latency before any load. Returns
 * the figures; fails if memory grows past the bound or a held session gets a wrong answer.
 */
async function holdSessions(clients: pg.Client[], rssBefore: number, baseline: number[]): Promise<string> {
  let isOver = false;
  const held = clients.map(async (client, i) => {
    await sleep(Math.floor((i / clients.length) * HOLD_QUERY_EVERY_MS));
    let asked = 0;
    while (!isOver) {
      expect((await viewOf(client, i)).product).toBe(i * 7);
      asked += 1;
      await sleep(HOLD_QUERY_EVERY_MS);
    }
    return asked;
  });
  const rssAtStart = rssMb();
  const timer = setTimeout(() => {
    isOver = true;
  }, HOLD_SECONDS * 1000);
  const [latencies, asked] = await Promise.all([sampleBystander(() => isOver), Promise.all(held)]);
  clearTimeout(timer);
  const rssAtEnd = rssMb();
  const perSession = (rssAtEnd - rssBefore) / clients.length;
  expect(rssAtEnd - rssBefore).toBeLessThan(clients.length * 2 + 64);
  const total = asked.reduce((sum, n) => sum + n, 0);
  return (
    `; held ${HOLD_SECONDS} s: ${total} queries answered by the held sessions, RSS ${rssAtStart.toFixed(0)} → ` +
    `${rssAtEnd.toFixed(0)} MB over the hold (${perSession.toFixed(2)} MB per session since before connecting); ` +
    `bystander latency before any load p50 ${percentile(baseline, 50).toFixed(1)} ms, ` +
    `p99 ${percentile(baseline, 99).toFixed(1)} ms; during the hold p50 ${percentile(latencies, 50).toFixed(1)} ms, ` +
    `p99 ${percentile(latencies, 99).toFixed(1)} ms (${latencies.length} samples)`
  );
}

describe("load", () => {
  it("holds many concurrent pooled sessions with bounded memory, each seeing only its own", async () => {
    const { rows } = await adminQuery(
      harness.directUrl,
      "SELECT current_setting('max_connections')::int AS max",
    );
    // Other test files' servers share the upstream: leave them room.
    const count = Math.min(SESSIONS, (rows[0] as { max: number }).max - 30);
    await harness.prisma.connection.update({
      where: { name: harness.connectionName },
      data: { poolSize: count + 5 },
    });
    const figures: string[] = [];
    // The bystander's latency with no load, what the hold's latency is compared with.
    const baselineUntil = Date.now() + (HOLD_SECONDS > 0 ? BASELINE_MS : 0);
    const baseline = HOLD_SECONDS > 0 ? await sampleBystander(() => Date.now() > baselineUntil) : [];
    // Two rounds: the second's sessions get backends the first's used (pooled) and must find nothing of them.
    for (const round of [1, 2]) {
      const before = rssMb();
      const started = performance.now();
      const clients = await Promise.all(Array.from({ length: count }, () => connect()));
      const connectSeconds = (performance.now() - started) / 1000;
      const fresh = await Promise.all(clients.map((client, i) => viewOf(client, i)));
      // Nothing of an earlier session: no setting, no temporary table.
      for (const view of fresh) expect([view.token, view.tempTable]).toEqual(["", null]);
      await Promise.all(
        clients.map(async (client, i) => {
          await client.query(`SELECT set_config('app.token', 'round-${round}-session-${i}', false)`);
          await client.query(
            `CREATE TEMP TABLE mine (t text); INSERT INTO mine VALUES ('round-${round}-session-${i}')`,
          );
        }),
      );
      const hold = round === 1 && HOLD_SECONDS > 0 ? await holdSessions(clients, before, baseline) : "";
      const views = await Promise.all(clients.map((client, i) => viewOf(client, i)));
      const tempRows = await Promise.all(
        clients.map(async (client) => (await client.query("SELECT t FROM pg_temp.mine")).rows),
      );
      expect(tempRows).toEqual(clients.map((_, i) => [{ t: `round-${round}-session-${i}` }]));
      expect(views.map(({ pid: _pid, ...view }) => view)).toEqual(
        views.map((_, i) => ({
          token: `round-${round}-session-${i}`,
          value: `row ${(i % 50) + 1}`,
          product: i * 7,
          tempTable: "mine",
        })),
      );
      // Every session on a backend of its own while they are all held.
      expect(new Set(views.map((view) => view.pid)).size).toBe(count);
      const held = rssMb();
      const backends = await adminQuery(
        harness.upstreamAdminUrl,
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'",
      );
      await Promise.all(clients.map((client) => client.end()));
      await expectBystanderFine();
      figures.push(
        `round ${round}: ${count} concurrent sessions connected in ${connectSeconds.toFixed(1)} s; ` +
          `test process RSS ${before.toFixed(0)} → ${held.toFixed(0)} MB while held (gateway and clients together); ` +
          `${(backends.rows[0] as { n: number }).n} upstream backends${hold}`,
      );
      // Bounded: far below one result-sized buffer per session; a per-session leak of MiBs fails it.
      expect(held - before).toBeLessThan(count * 2 + 64);
    }
    console.log(`load: ${figures.join("; ")}`);
  }, 1_800_000);
});

describe("faults", () => {
  it("an upstream backend killed mid-transaction ends that session alone, and nothing of it commits", async () => {
    const victim = await connect();
    const ended = new Promise<Error>((resolve) => victim.once("error", resolve));
    const pid = (await victim.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid;
    await victim.query("BEGIN");
    await victim.query("INSERT INTO data VALUES (1000, 'uncommitted')");
    // What a restart does to every backend: FATAL 57P01 and the socket closed.
    await adminQuery(harness.upstreamAdminUrl, "SELECT pg_terminate_backend($1)", [pid]);
    await ended;
    await expect(victim.query("SELECT 1")).rejects.toThrow();
    const { rows } = await adminQuery(
      harness.directUrl,
      "SELECT count(*)::int AS n FROM data WHERE id = 1000",
    );
    expect(rows).toEqual([{ n: 0 }]);
    await expectBystanderFine();
    const next = await connect();
    expect((await next.query("SELECT count(*)::int AS n FROM data")).rows).toEqual([{ n: 50 }]);
    await next.end();
  });

  it("a client that stops reading holds the upstream back, not the gateway's memory", async () => {
    const { client } = await rawLogin(
      harness.port,
      harness.agent.name,
      harness.token,
      harness.connectionName,
    );
    const socket = (client as unknown as { socket: net.Socket }).socket;
    const before = rssMb();
    socket.pause();
    client.write(bytes.query(`SELECT g, repeat('x', 1000) FROM generate_series(1, ${SLOW_ROWS}) g`));
    // The server's own word that the gateway stopped reading: its backend waits to write to us.
    const blocked = await until(
      async () => {
        const { rows } = await adminQuery(
          harness.upstreamAdminUrl,
          "SELECT pid, wait_event FROM pg_stat_activity WHERE query LIKE '%generate_series(1, " +
            SLOW_ROWS +
            ")%' AND pid <> pg_backend_pid()",
        );
        return (rows as { pid: number; wait_event: string }[]).find(
          (row) => row.wait_event === "ClientWrite",
        );
      },
      { what: "the upstream to block writing to the gateway", timeoutMs: 60_000, intervalMs: 200 },
    );
    const grown = rssMb() - before;
    console.log(
      `slow client: upstream blocked in ClientWrite; test process RSS grew ${grown.toFixed(0)} MB for a ${(SLOW_ROWS / 1000).toFixed(0)} MB result`,
    );
    expect(grown).toBeLessThan(64);
    await expectBystanderFine();
    // The client leaves mid-result: its backend is closed, never handed to another session.
    client.close();
    await until(
      async () =>
        (
          await adminQuery(harness.upstreamAdminUrl, "SELECT 1 FROM pg_stat_activity WHERE pid = $1", [
            blocked.pid,
          ])
        ).rows.length === 0,
      { what: "the abandoned backend to exit", timeoutMs: 30_000 },
    );
  }, 120_000);
});
