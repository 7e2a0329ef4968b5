import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../../../../test/until";
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

/** The upstream thread behind a session: the one its statements run on. */
async function upstreamThreadOf(connection: Connection): Promise<number> {
  const [rows] = (await connection.query("SELECT CONNECTION_ID() AS upstream")) as unknown as [
    [{ upstream: number }],
  ];
  return Number(rows[0].upstream);
}

/** Whether this upstream thread is running the SLEEP. */
async function isSleeping(thread: number): Promise<boolean> {
  const [rows] = (await harness.asAdmin(
    `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID = ${thread} AND INFO LIKE 'SELECT SLEEP%'`,
  )) as unknown as [[{ n: number }]];
  return Number(rows[0].n) > 0;
}

/**
 * Waits until this session's own upstream thread runs the SLEEP: a KILL QUERY before that finds
 * nothing to interrupt. Not any thread: one whose SLEEP was killed a moment ago still shows it in
 * the process list for a while after its client got the error.
 */
async function untilSleeping(thread: number): Promise<void> {
  await until(() => isSleeping(thread), {
    what: `the SLEEP to start upstream (last verdicts: ${JSON.stringify(harness.verdicts.slice(-3).map((v) => [v.sql, v.verdict.kind]))})`,
    timeoutMs: 30_000,
    intervalMs: 50,
  });
}

describe("KILL through Sluice", () => {
  it("KILL QUERY of the agent's own session interrupts its statement, not its connection", async () => {
    const victim = await harness.connectAgent();
    const killer = await harness.connectAgent();
    try {
      const sleeper = await upstreamThreadOf(victim);
      const outcome = sleeping(victim);
      await untilSleeping(sleeper);
      await killer.query(`KILL QUERY ${victim.threadId}`);
      // 1317 (query interrupted) is what only a KILL gives; the SLEEP would have answered a row.
      expect(await outcome).toEqual({ errno: 1317 });
      // The victim's upstream thread is the one that was interrupted, and it is still there: only
      // its statement was killed, and the session goes on over the same upstream connection.
      await until(async () => !(await isSleeping(sleeper)), { what: "the SLEEP to leave the process list" });
      expect((await upstreamThreads()).map((thread) => thread.id)).toContain(sleeper);
      const [rows] = await victim.query("SELECT 1 AS alive, CONNECTION_ID() AS upstream");
      expect(rows).toEqual([{ alive: 1, upstream: sleeper }]);
    } finally {
      await victim.end();
      await killer.end();
    }
  });

  it("refuses another agent's KILL and an upstream thread id, revealing nothing", async () => {
    const victim = await harness.connectAgent();
    const other = await harness.connectAgent({ isOtherAgent: true });
    try {
      const upstreamId = await upstreamThreadOf(victim);
      const outcome = sleeping(victim);
      await untilSleeping(upstreamId);
      await expect(other.query(`KILL QUERY ${victim.threadId}`)).rejects.toMatchObject({
        errno: 1094,
        message: expect.stringMatching(/no session of yours/),
      });
      // The victim's upstream thread id, as the server numbers it, is not a gateway id: even the
      // same agent's KILL of it is refused (unless it happens to equal one of its gateway ids).
      const sameAgent = await harness.connectAgent();
      try {
        if (upstreamId !== victim.threadId && upstreamId !== sameAgent.threadId)
          await expect(sameAgent.query(`KILL QUERY ${upstreamId}`)).rejects.toMatchObject({ errno: 1094 });
      } finally {
        await sameAgent.end();
      }
      await expect(other.query(`KILL QUERY 4000000000`)).rejects.toMatchObject({ errno: 1094 });
      expect(await isSleeping(upstreamId)).toBe(true);
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
      const sleeper = await upstreamThreadOf(victim);
      const outcome = sleeping(victim);
      await untilSleeping(sleeper);
      await expect(killer.query(`KILL QUERY ${victim.threadId}`)).rejects.toMatchObject({
        errno: 1227,
        message: expect.stringMatching(/no-kill/),
      });
      expect(harness.verdicts.at(-1)).toMatchObject({
        sql: `KILL QUERY ${victim.threadId}`,
        verdict: { kind: "deny" },
      });
      expect(await isSleeping(sleeper)).toBe(true);
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
