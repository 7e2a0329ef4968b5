import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { type GatewayCluster, startGatewayCluster } from "@sluice/gateway/gateway-cluster";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/gateway-harness";

let harness: Harness;
let gateway: GatewayCluster;
let home = "";
const logs: string[] = [];

beforeAll(async () => {
  harness = await startHarness({ isTlsEnabled: false });
  home = mkdtempSync(path.join(tmpdir(), "sluice-cluster-"));
  gateway = await startGatewayCluster({
    databaseUrl: harness.storeUrl,
    port: 0,
    secretKey: harness.secretKey,
    home,
    isTlsEnabled: false,
    hosts: ["127.0.0.1"],
    reviewWebhook: null,
    consoleUrl: null,
    workers: 2,
    log: (line) => logs.push(line),
  });
});
afterAll(async () => {
  await gateway?.close();
  await harness?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

const clusterUrl = () =>
  `postgresql://${harness.agent.name}:${encodeURIComponent(harness.token)}@127.0.0.1:${gateway.port}/${harness.connectionName}?sslmode=disable`;

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
  it("serves sessions on both workers, cancels across them, and revokes on both", async () => {
    expect(gateway.workerPids()).toHaveLength(2);
    const clients = await sessionsOnEveryWorker();
    for (const client of clients) expect((await client.query("SELECT 1 AS ok")).rows).toEqual([{ ok: 1 }]);

    // Each cancel reaches a random worker: about half land on the other worker than the session's,
    // and must be forwarded there. Every one must cancel its statement.
    const outcomes: unknown[] = [];
    for (const client of clients) {
      const running = client.query("SELECT pg_sleep(60)").catch((error: pg.DatabaseError) => error);
      await waitUntilSleeping();
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
});

/** Waits until the upstream shows a statement sleeping: a cancel sent before it would be lost. */
async function waitUntilSleeping(): Promise<void> {
  const direct = new pg.Client({ connectionString: harness.upstreamAdminUrl });
  await direct.connect();
  try {
    for (;;) {
      const { rows } = await direct.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)' AND state = 'active'",
      );
      if (rows[0].n > 0) return;
    }
  } finally {
    await direct.end();
  }
}
