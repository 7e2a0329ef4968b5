import { randomBytes } from "node:crypto";
import net from "node:net";
import { connectionSecretAad } from "@sluice/db/seed/create-connection";
import type { DecisionPoint } from "@sluice/policy/verdict";
import { encryptSecret } from "@sluice/secrets/secret-box";
import type { UpstreamPool } from "@sluice/transport/upstream-pool";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminQuery } from "../../../test/support";
import { until } from "../../../test/until";
import { type Harness, startHarness } from "./support/gateway-harness";

/**
 * Everything allowed: these tests are about what the pool leaves behind, so the agents must be able
 * to create every kind of session state (the policy refuses some of it anyway; the pool must not rely
 * on that).
 */
const ALLOW_ALL: DecisionPoint = {
  openSession: () => ({ decide: () => ({ kind: "allow" }), version: () => 0 }),
};

let harness: Harness;
let otherRole: string;
beforeAll(async () => {
  harness = await startHarness({ isTlsEnabled: false, decisions: ALLOW_ALL });
  // A role the brokered role may SET ROLE to: a reset must end it.
  otherRole = `other_${randomBytes(4).toString("hex")}`;
  const role = decodeURIComponent(new URL(harness.directUrl).username);
  await adminQuery(harness.upstreamAdminUrl, `CREATE ROLE ${otherRole}; GRANT ${otherRole} TO ${role}`);
});
afterAll(async () => {
  await harness?.stop();
  if (otherRole)
    await adminQuery(
      harness.upstreamAdminUrl.replace(/\/[^/]*$/, "/postgres"),
      `DROP ROLE IF EXISTS ${otherRole}`,
    ).catch(() => {});
});

const pool = () => harness.gateway.server.upstreams as UpstreamPool;

/** A connection of its own (its own pool), same upstream database and role. */
async function freshConnection(data: { poolSize?: number; poolWaitSeconds?: number } = {}) {
  const connection = await harness.addTwinConnection(`pool_${randomBytes(3).toString("hex")}`);
  if (Object.keys(data).length > 0) {
    await harness.prisma.connection.update({ where: { id: connection.id }, data });
  }
  return connection;
}

async function connect(connectionName: string): Promise<pg.Client> {
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

/** The upstream's own view of a backend: null once it has exited. */
async function upstreamBackend(pid: number) {
  const { rows } = await adminQuery(
    harness.upstreamAdminUrl,
    "SELECT state, query FROM pg_stat_activity WHERE pid = $1",
    [pid],
  );
  return (rows[0] as { state: string; query: string } | undefined) ?? null;
}

/** A CancelRequest on a connection of its own, as libpq sends it, with the gateway's key. */
function sendCancel(client: pg.Client): Promise<void> {
  const { processID, secretKey } = client as unknown as { processID: number; secretKey: number };
  const request = Buffer.alloc(16);
  request.writeInt32BE(16, 0);
  request.writeInt32BE(80877102, 4);
  request.writeInt32BE(processID, 8);
  request.writeInt32BE(secretKey, 12);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port: harness.port }, () => socket.end(request));
    socket.on("close", () => resolve());
    socket.on("error", reject);
  });
}

const idleCount = (connectionId: string) => () => pool().stats(connectionId).idle > 0;

describe("pooled upstream logins", () => {
  it("gives the next session the same server backend, reset and checked by the server", async () => {
    const connection = await freshConnection();
    const first = await connect(connection.name);
    const pid = await backendPid(first);
    await first.end();
    await until(idleCount(connection.id), { what: "the backend back in the pool" });
    // The server's own record: the last thing the backend ran is the gateway's check after DISCARD ALL.
    expect((await upstreamBackend(pid))?.query).toContain("pg_my_temp_schema");
    const second = await connect(connection.name);
    expect(await backendPid(second)).toBe(pid);
    await second.end();
  });

  it("leaves no session state behind for the next agent", async () => {
    const connection = await freshConnection();
    const { agent: otherAgent, token: otherToken } = await harness.addAgent(
      `agent_${randomBytes(3).toString("hex")}`,
      ["analysts"],
    );
    const first = await connect(connection.name);
    const pid = await backendPid(first);
    for (const sql of [
      "SET work_mem = '7MB'",
      "SET statement_timeout = '123s'",
      "SELECT set_config('app.tenant', 'tenant-a', false)",
      "SET search_path = pg_temp, public",
      "CREATE TEMP TABLE leftovers (secret text)",
      "INSERT INTO leftovers VALUES ('from agent a')",
      "CREATE TEMP SEQUENCE leftover_seq",
      "SELECT nextval('leftover_seq')",
      "PREPARE leftover_statement AS SELECT 'prepared by a'",
      "SELECT pg_advisory_lock(4242)",
      "LISTEN leftover_channel",
      "BEGIN",
      "DECLARE leftover_cursor CURSOR WITH HOLD FOR SELECT 1",
      "COMMIT",
      `SET ROLE ${otherRole}`,
    ]) {
      await first.query(sql);
    }
    expect((await first.query("SELECT current_user AS who")).rows[0].who).toBe(otherRole);
    await first.end();
    await until(idleCount(connection.id), { what: "the backend back in the pool" });

    const second = new pg.Client({
      connectionString: harness.urlFor(otherAgent.name, otherToken, connection.name),
    });
    await second.connect();
    expect(await backendPid(second)).toBe(pid);
    const state = await second.query(`SELECT
      current_setting('work_mem') AS work_mem,
      current_setting('statement_timeout') AS statement_timeout,
      current_setting('app.tenant', true) AS tenant,
      current_setting('search_path') AS search_path,
      to_regclass('pg_temp.leftovers') AS leftovers,
      to_regclass('pg_temp.leftover_seq') AS leftover_seq,
      (SELECT count(*)::int FROM pg_prepared_statements) AS prepared,
      (SELECT count(*)::int FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'advisory') AS advisory,
      (SELECT count(*)::int FROM pg_listening_channels()) AS listening,
      (SELECT count(*)::int FROM pg_cursors) AS cursors,
      current_user = session_user AS is_own_role`);
    const defaults = await adminQuery(
      harness.directUrl,
      "SELECT current_setting('work_mem') AS work_mem, current_setting('statement_timeout') AS statement_timeout, current_setting('search_path') AS search_path",
    );
    expect(state.rows[0]).toEqual({
      ...defaults.rows[0],
      tenant: "",
      leftovers: null,
      leftover_seq: null,
      prepared: 0,
      advisory: 0,
      listening: 0,
      cursors: 0,
      is_own_role: true,
    });
    // The server agrees the lock is free: another session takes it at once.
    expect(
      (await adminQuery(harness.directUrl, "SELECT pg_try_advisory_lock(4242) AS got")).rows[0].got,
    ).toBe(true);
    // A notification to the old channel reaches nobody on the reused backend.
    const heard: string[] = [];
    second.on("notification", (message) => heard.push(message.channel));
    await adminQuery(harness.directUrl, "NOTIFY leftover_channel, 'for agent a'");
    await second.query("SELECT 1");
    expect(heard).toEqual([]);
    await expect(second.query("EXECUTE leftover_statement")).rejects.toMatchObject({ code: "26000" });
    await expect(second.query("FETCH leftover_cursor")).rejects.toMatchObject({ code: "34000" });
    await second.end();
  });

  it("closes, never reuses, a backend whose session left a transaction open", async () => {
    const connection = await freshConnection();
    const first = await connect(connection.name);
    const pid = await backendPid(first);
    await first.query("BEGIN");
    await first.query("CREATE TEMP TABLE in_flight (x int)");
    await first.end();
    await until(async () => (await upstreamBackend(pid)) === null, { what: "the backend to exit" });
    const second = await connect(connection.name);
    expect(await backendPid(second)).not.toBe(pid);
    await second.end();
  });

  it("closes a backend whose session sent a cancel", async () => {
    const connection = await freshConnection();
    const first = await connect(connection.name);
    const pid = await backendPid(first);
    const sleeping = first.query("SELECT pg_sleep(30)");
    await until(async () => (await upstreamBackend(pid))?.query.includes("pg_sleep"), {
      what: "the sleep to start",
    });
    await sendCancel(first);
    await expect(sleeping).rejects.toMatchObject({ code: "57014" });
    // The session goes on (the backend is still this agent's), but it never serves another.
    expect((await first.query("SELECT 1 AS ok")).rows).toEqual([{ ok: 1 }]);
    await first.end();
    await until(async () => (await upstreamBackend(pid)) === null, { what: "the backend to exit" });
  });

  it("refuses a connect with a clear error when the pool stays exhausted, and serves it once a session ends", async () => {
    const connection = await freshConnection({ poolSize: 1, poolWaitSeconds: 1 });
    const holder = await connect(connection.name);
    await backendPid(holder);
    const refused = connect(connection.name);
    await expect(refused).rejects.toMatchObject({ code: "53300" });
    await expect(refused).rejects.toThrow(/all 1 upstream logins this gateway process may hold are in use/);
    // A waiter is served as soon as the holder's backend is back.
    await harness.prisma.connection.update({ where: { id: connection.id }, data: { poolWaitSeconds: 30 } });
    const waiting = connect(connection.name);
    await until(() => pool().stats(connection.id).waiting > 0, { what: "the connect to wait" });
    const pid = await backendPid(holder);
    await holder.end();
    const served = await waiting;
    expect(await backendPid(served)).toBe(pid);
    await served.end();
  });

  it("drops pooled backends the server terminated and logs in afresh", async () => {
    const connection = await freshConnection();
    const first = await connect(connection.name);
    const pid = await backendPid(first);
    await first.end();
    await until(idleCount(connection.id), { what: "the backend back in the pool" });
    // What a restart or an administrator does to every backend: FATAL 57P01, then the socket closes.
    await adminQuery(harness.upstreamAdminUrl, "SELECT pg_terminate_backend($1)", [pid]);
    await until(() => pool().stats(connection.id).open === 0, { what: "the pool to drop the backend" });
    const second = await connect(connection.name);
    expect(await backendPid(second)).not.toBe(pid);
    expect((await second.query("SELECT 1 AS ok")).rows).toEqual([{ ok: 1 }]);
    await second.end();
  });

  it("logs in with a changed stored password at the next connect, never with an idle login made before", async () => {
    const connection = await freshConnection();
    const first = await connect(connection.name);
    const pid = await backendPid(first);
    await first.end();
    await until(idleCount(connection.id), { what: "the backend back in the pool" });
    const seal = (password: string) =>
      harness.prisma.connection.update({
        where: { id: connection.id },
        data: {
          passwordCipher: encryptSecret(password, harness.secretKey, connectionSecretAad(connection.id)),
        },
      });

    // A password the upstream refuses: the idle login, made with the old one, must not serve it.
    await seal(`not-${randomBytes(4).toString("hex")}`);
    await expect(connect(connection.name)).rejects.toThrow(/refused Sluice's brokered credentials/);
    expect(pool().stats(connection.id)).toMatchObject({ open: 1, idle: 1 });

    await seal(decodeURIComponent(new URL(harness.directUrl).password));
    const second = await connect(connection.name);
    expect(await backendPid(second)).toBe(pid);
    await second.end();
  });

  it("gives every session its own login when the connection's pool size is 0", async () => {
    const connection = await freshConnection({ poolSize: 0 });
    const first = await connect(connection.name);
    const pid = await backendPid(first);
    await first.end();
    await until(async () => (await upstreamBackend(pid)) === null, { what: "the backend to exit" });
    expect(pool().stats(connection.id).open).toBe(0);
  });
});
