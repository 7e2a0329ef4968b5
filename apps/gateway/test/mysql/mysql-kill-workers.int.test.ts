import { readFileSync } from "node:fs";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../../../../test/until";
import { type ClusterStage, startClusterStage } from "../support/cluster-stage";
import { type Harness, startHarness } from "../support/gateway-harness";
import { createMariaStage, type MariaStage } from "../support/maria-stage";

/**
 * `KILL QUERY id` under `--workers`: the mariadb CLI's Ctrl-C opens a new connection, which the
 * kernel may hand to any worker. The id must still reach the session it names, in whichever worker
 * holds it, and only for the same agent.
 */
let harness: Harness;
let stage: MariaStage;
let cluster: ClusterStage;
let ca: string;
let other: { name: string; token: string };

beforeAll(async () => {
  stage = await createMariaStage("killw", (database) => `CREATE TABLE ${database}.t (id INT);`);
  harness = await startHarness({ isTlsEnabled: false });
  const connectionId = await stage.addConnection(harness);
  // SLEEP is refused by default (a timing channel): this connection allows it by name.
  await harness.prisma.guardrailRule.create({
    data: {
      connectionId,
      name: "allow-sleep",
      kind: "FUNCTION",
      effect: "ALLOW",
      match: { functions: ["sleep"] },
    },
  });
  const added = await harness.addAgent("agent-other", ["analysts"]);
  other = { name: added.agent.name, token: added.token };
  cluster = await startClusterStage(harness, { isTlsEnabled: true, mysqlPort: 0, workers: 2 });
  ca = readFileSync(cluster.gateway.caFile as string, "utf8");
}, 120_000);
afterAll(async () => {
  await cluster?.stop();
  await harness?.stop();
  await stage?.drop();
});

const connect = (agent: { name: string; token: string }) =>
  mysql.createConnection({
    host: "127.0.0.1",
    port: cluster.gateway.mysqlPort as number,
    user: agent.name,
    password: agent.token,
    database: "maria",
    ssl: { ca },
  });
const agentA = () => ({ name: harness.agent.name, token: harness.token });

type Placed = { connection: mysql.Connection; workerPid: string };
const seenSessions = new Set<string>();

/**
 * Connects and says which worker took the connection: the session row, written before the login's
 * OK, names its worker's pid. Connections are opened one at a time, so the one new row is this one.
 */
async function connectPlaced(agent: { name: string; token: string }): Promise<Placed> {
  const connection = await connect(agent);
  const rows = await harness.prisma.gatewaySession.findMany({
    where: { connection: { name: "maria" }, refusal: null },
    select: { id: true, gatewayId: true },
  });
  const fresh = rows.filter((row) => !seenSessions.has(row.id));
  for (const row of rows) seenSessions.add(row.id);
  if (fresh.length !== 1) throw new Error(`expected one new session row, found ${fresh.length}`);
  return { connection, workerPid: (fresh[0] as { gatewayId: string }).gatewayId.split(":")[1] ?? "" };
}

/** A connection of `agent` on a worker other than `avoidPid`'s; the kernel picks, so retry (bounded). */
async function connectOnOtherWorker(agent: { name: string; token: string }, avoidPid: string) {
  for (let attempt = 0; attempt < 60; attempt++) {
    const placed = await connectPlaced(agent);
    if (placed.workerPid !== avoidPid) return placed;
    await placed.connection.end();
  }
  throw new Error(`60 connections in a row landed on worker ${avoidPid}`);
}

/** Left alone the SLEEP answers a row (errno 0 here); only a KILL ends it with 1317. */
function sleeping(connection: mysql.Connection) {
  return connection.query("SELECT SLEEP(30) AS slept").then(
    () => ({ errno: 0 }),
    (error: { errno?: number }) => ({ errno: error.errno }),
  );
}

async function sleepingUpstream(): Promise<number> {
  const [rows] = (await stage.admin.query(
    `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = '${stage.user}' AND INFO LIKE 'SELECT SLEEP%'`,
  )) as unknown as [[{ n: number }]];
  return Number(rows[0].n);
}

describe("KILL across gateway workers", () => {
  it("KILL QUERY from a connection on another worker ends the session's SLEEP", async () => {
    const victim = await connectPlaced(agentA());
    const killer = await connectOnOtherWorker(agentA(), victim.workerPid);
    try {
      // Ids are unique across workers: each worker counting from 1 would hand both the same id.
      expect(killer.connection.threadId).not.toBe(victim.connection.threadId);
      const outcome = sleeping(victim.connection);
      await until(async () => (await sleepingUpstream()) === 1, {
        what: "the SLEEP upstream",
        timeoutMs: 20_000,
      });
      await killer.connection.query(`KILL QUERY ${victim.connection.threadId}`);
      expect(await outcome).toEqual({ errno: 1317 });
      expect(await sleepingUpstream()).toBe(0);
      const [rows] = await victim.connection.query("SELECT 1 AS alive");
      expect(rows).toEqual([{ alive: 1 }]);
    } finally {
      await victim.connection.end();
      await killer.connection.end();
    }
  }, 90_000);

  it("refuses another agent's KILL from another worker with 1094, and the SLEEP goes on", async () => {
    const victim = await connectPlaced(agentA());
    const intruder = await connectOnOtherWorker(other, victim.workerPid);
    try {
      const outcome = sleeping(victim.connection);
      await until(async () => (await sleepingUpstream()) === 1, {
        what: "the SLEEP upstream",
        timeoutMs: 20_000,
      });
      await expect(
        intruder.connection.query(`KILL QUERY ${victim.connection.threadId}`),
      ).rejects.toMatchObject({
        errno: 1094,
        message: expect.stringMatching(/no session of yours/),
      });
      expect(await sleepingUpstream()).toBe(1);
      // The same agent's KILL still works: the SLEEP was only spared the intruder's.
      const owner = await connectOnOtherWorker(agentA(), victim.workerPid);
      try {
        await owner.connection.query(`KILL QUERY ${victim.connection.threadId}`);
      } finally {
        await owner.connection.end();
      }
      expect((await outcome).errno).toBe(1317);
    } finally {
      await victim.connection.end();
      await intruder.connection.end();
    }
  }, 90_000);
});
