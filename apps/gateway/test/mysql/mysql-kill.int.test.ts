import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MySqlHarness, startMySqlHarness } from "../support/mysql-harness";

/**
 * `KILL [QUERY] id` with the id a client knows, the gateway connection id from its handshake
 * (mysql2's `threadId`): the gateway maps it to that session's upstream thread, only for the same
 * agent, and never forwards an id as the agent wrote it.
 */
let harness: MySqlHarness;
beforeAll(async () => {
  // SLEEP is refused by default (a timing channel): the test's connection allows it by name.
  harness = await startMySqlHarness({
    guardrails: [{ name: "allow-sleep", kind: "FUNCTION", effect: "ALLOW", match: { functions: ["sleep"] } }],
  });
});
afterAll(async () => harness?.stop());

/**
 * Runs `SELECT SLEEP(30)` and resolves with how it ended. Left alone it ends with a row (`slept:
 * 0`) after 30 s; only an interruption ends it with error 1317, so the error itself is the proof
 * that a KILL reached it, whatever the machine's speed.
 */
function sleeping(connection: Connection) {
  return connection.query("SELECT SLEEP(30) AS slept").then(
    ([rows]) => ({ rows }),
    (error: { errno?: number }) => ({ errno: error.errno }),
  );
}

/** The upstream threads of the harness's user, by id, with what each is running. */
async function upstreamThreads(): Promise<Array<{ id: number; info: string | null }>> {
  const [rows] = (await harness.asAdmin(
    `SELECT ID AS id, INFO AS info FROM information_schema.PROCESSLIST WHERE USER = '${harness.upstreamUser}'`,
  )) as unknown as [Array<{ id: number; info: string | null }>];
  return rows.map((row) => ({ id: Number(row.id), info: row.info }));
}

/** Waits until the upstream shows this many threads of the harness's user running SLEEP. */
async function untilSleeping(count: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const [rows] = (await harness.asAdmin(
      `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = '${harness.upstreamUser}' AND INFO LIKE 'SELECT SLEEP%'`,
    )) as unknown as [[{ n: number }]];
    if (Number(rows[0].n) >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(
    `the SLEEP never started upstream: ${JSON.stringify(harness.verdicts.slice(-3).map((v) => [v.sql, v.verdict.kind, "message" in v.verdict ? v.verdict.message : ""]))}`,
  );
}

describe("KILL through Sluice", () => {
  it("KILL QUERY of the agent's own session interrupts its statement, not its connection", async () => {
    const victim = await harness.connectAgent();
    const killer = await harness.connectAgent();
    try {
      const outcome = sleeping(victim);
      await untilSleeping(1);
      const [sleeper] = (await upstreamThreads()).filter((thread) => thread.info?.startsWith("SELECT SLEEP"));
      await killer.query(`KILL QUERY ${victim.threadId}`);
      // 1317 (query interrupted) is what only a KILL gives; the SLEEP would have answered a row.
      expect(await outcome).toEqual({ errno: 1317 });
      // The victim's upstream thread is the one that was interrupted, and it is still there: only
      // its statement was killed, and the session goes on over the same upstream connection.
      const threads = await upstreamThreads();
      expect(threads.filter((thread) => thread.info?.startsWith("SELECT SLEEP"))).toEqual([]);
      expect(threads.map((thread) => thread.id)).toContain(sleeper?.id);
      const [rows] = await victim.query("SELECT 1 AS alive, CONNECTION_ID() AS upstream");
      expect(rows).toEqual([{ alive: 1, upstream: sleeper?.id }]);
    } finally {
      await victim.end();
      await killer.end();
    }
  });

  it("refuses another agent's KILL and an upstream thread id, revealing nothing", async () => {
    const victim = await harness.connectAgent();
    const other = await harness.connectAgent({ isOtherAgent: true });
    try {
      const outcome = sleeping(victim);
      await untilSleeping(1);
      await expect(other.query(`KILL QUERY ${victim.threadId}`)).rejects.toMatchObject({
        errno: 1094,
        message: expect.stringMatching(/no session of yours/),
      });
      // The victim's upstream thread id, as the server numbers it, is not a gateway id: even the
      // same agent's KILL of it is refused (unless it happens to equal one of its gateway ids).
      const [threads] = (await harness.asAdmin(
        `SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = '${harness.upstreamUser}' AND INFO LIKE 'SELECT SLEEP%'`,
      )) as unknown as [[{ id: number }]];
      const upstreamId = Number(threads[0].id);
      const sameAgent = await harness.connectAgent();
      try {
        if (upstreamId !== victim.threadId && upstreamId !== sameAgent.threadId)
          await expect(sameAgent.query(`KILL QUERY ${upstreamId}`)).rejects.toMatchObject({ errno: 1094 });
      } finally {
        await sameAgent.end();
      }
      await expect(other.query(`KILL QUERY 4000000000`)).rejects.toMatchObject({ errno: 1094 });
      const [still] = (await harness.asAdmin(
        `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = '${harness.upstreamUser}' AND INFO LIKE 'SELECT SLEEP%'`,
      )) as unknown as [[{ n: number }]];
      expect(Number(still[0].n)).toBe(1);
      await harness.asAdmin(`KILL QUERY ${upstreamId}`);
      await outcome;
    } finally {
      await victim.end();
      await other.end();
    }
  });

  it("is judged by the policy first: a DENY guardrail on KILL refuses the agent's own KILL", async () => {
    const before = harness.current.policy;
    harness.current.policy = {
      ...before,
      guardrails: [
        ...before.guardrails,
        { name: "no-kill", kind: "STATEMENT_KIND", effect: "DENY", match: { kinds: ["KILL"] } },
      ],
    };
    const victim = await harness.connectAgent();
    const killer = await harness.connectAgent();
    try {
      const outcome = sleeping(victim);
      await untilSleeping(1);
      await expect(killer.query(`KILL QUERY ${victim.threadId}`)).rejects.toMatchObject({
        errno: 1227,
        message: expect.stringMatching(/no-kill/),
      });
      expect(harness.verdicts.at(-1)).toMatchObject({
        sql: `KILL QUERY ${victim.threadId}`,
        verdict: { kind: "deny" },
      });
      const [still] = (await harness.asAdmin(
        `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = '${harness.upstreamUser}' AND INFO LIKE 'SELECT SLEEP%'`,
      )) as unknown as [[{ n: number }]];
      expect(Number(still[0].n)).toBe(1);
      harness.current.policy = before;
      await killer.query(`KILL QUERY ${victim.threadId}`);
      expect(await outcome).toMatchObject({ errno: 1317 });
    } finally {
      harness.current.policy = before;
      await victim.end();
      await killer.end();
    }
  });
});
