import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../../apps/gateway/test/support/gateway-harness";
import { bytes, type RawClient } from "../../apps/gateway/test/support/raw-client";
import { rawLogin } from "../../apps/gateway/test/support/raw-login";
import { adminQuery } from "../support";
import { mutateSequence, SEED_SEQUENCES } from "./fuzz-messages";
import { createRandom } from "./seeded-random";

/**
 * A structure-aware protocol fuzzer: real message sequences (simple and extended queries, pipelined
 * batches, COPY, Close/Describe/Flush), each mutated (bytes flipped, lengths lied about, messages
 * dropped, repeated, swapped, truncated, SQL text spliced with quotes, comments, dollar quotes, NUL
 * and invalid UTF-8, writes split anywhere), sent through the gateway on fresh sessions.
 *
 * Invariants, checked against the real upstream:
 * - nothing that was not judged runs: every seed calls canary_fire(), a function the policy does not
 *   know (refused), which inserts a row when it runs; the canary table must stay empty;
 * - other sessions are unaffected: a bystander session's answers stay right throughout;
 * - the gateway never crashes: it runs in this process (a crash fails the file) and a fresh session
 *   logs in and queries at the end.
 *
 * CI runs SLUICE_FUZZ_SEQUENCES (default 80) on one lane; `scripts/reliability-long.sh` runs many
 * more: SLUICE_LOGIN_FUZZ_MESSAGES (when set, sequences run until that many messages were sent) on
 * SLUICE_FUZZ_LANES concurrent sessions, each lane with its own seed (SEED + lane). Most sequences
 * here cost a login, so the 1M-message volume is session-fuzzer.int.test.ts's, which keeps them.
 */
const SEQUENCES = Number(process.env.SLUICE_FUZZ_SEQUENCES ?? 80);
const MESSAGES = Number(process.env.SLUICE_LOGIN_FUZZ_MESSAGES ?? 0);
const LANES = Math.max(1, Number(process.env.SLUICE_FUZZ_LANES ?? 1));
/** A time budget for long runs (0: none): the run stops there and reports how far it got. */
const MAX_SECONDS = Number(process.env.SLUICE_FUZZ_MAX_SECONDS ?? 0);
/** How often (in sequences, over all lanes) the bystander and the canary are checked. */
const CHECK_EVERY = 20;
// CI replays one fixed seed, so a red run is the code's doing and not the draw's; local runs draw a
// new one each time (printed, and replayed with SLUICE_FUZZ_SEED), and scripts/reliability-long.sh many.
const CI_SEED = 20261204;
const SEED = Number(process.env.SLUICE_FUZZ_SEED ?? (process.env.CI ? CI_SEED : Date.now() % 2_147_483_647));
/** How long to wait for the marker after a mutated sequence before giving up on that session. */
const MARKER_WAIT_MS = 2000;

let harness: Harness;
let bystander: pg.Client;
beforeAll(async () => {
  harness = await startHarness({ isTlsEnabled: false });
  await adminQuery(
    harness.directUrl,
    `CREATE TABLE canary (fired_at timestamptz DEFAULT now());
     CREATE FUNCTION canary_fire() RETURNS int LANGUAGE sql AS 'INSERT INTO canary DEFAULT VALUES RETURNING 1';
     CREATE TABLE data (id int PRIMARY KEY, v text);
     INSERT INTO data SELECT g, 'row ' || g FROM generate_series(1, 50) g;`,
  );
  bystander = new pg.Client({ connectionString: harness.url });
  await bystander.connect();
});
afterAll(async () => {
  await bystander?.end().catch(() => {});
  await harness?.stop();
});

const canaryRows = async () =>
  Number((await adminQuery(harness.directUrl, "SELECT count(*) AS n FROM canary")).rows[0].n);

/** Sends `chunks`, then a marker query; resolves with how the session came out of it. */
async function sendAndMark(client: RawClient, chunks: Buffer[], marker: string) {
  for (const chunk of chunks) client.write(chunk);
  // A Sync ends any batch the mutation left open; the marker says everything before it was answered.
  client.write(Buffer.concat([bytes.tagged("S", Buffer.alloc(0)), bytes.query(`SELECT '${marker}'`)]));
  const deadline = Date.now() + MARKER_WAIT_MS;
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return "waiting" as const;
    try {
      const message = await client.readMessage(remaining);
      if (message.type === "D" && message.body.includes(Buffer.from(marker))) return "answered" as const;
    } catch {
      return client.isClosed ? ("closed" as const) : ("waiting" as const);
    }
  }
}

describe("protocol fuzzer", () => {
  it("refuses canary_fire() unmutated, so the canary means something", async () => {
    await expect(bystander.query("SELECT canary_fire()")).rejects.toMatchObject({ code: "42501" });
    expect(await canaryRows()).toBe(0);
  });

  const goal = MESSAGES > 0 ? `${MESSAGES} messages` : `${SEQUENCES} mutated sequences`;
  it(`survives ${goal} on ${LANES} lane(s) (seed ${SEED}) with nothing unjudged reaching the upstream`, async () => {
    const outcomes = { answered: 0, closed: 0, waiting: 0, sessions: 0, messages: 0, sequences: 0 };
    const started = performance.now();
    const isOutOfTime = () => MAX_SECONDS > 0 && performance.now() - started > MAX_SECONDS * 1000;
    const isDone = () =>
      isOutOfTime() || (MESSAGES > 0 ? outcomes.messages >= MESSAGES : outcomes.sequences >= SEQUENCES);
    // One lane: its own session, fed mutated sequences until the run's goal is met.
    const runLane = async (lane: number) => {
      const random = createRandom(SEED + lane);
      let session: RawClient | null = null;
      while (!isDone()) {
        if (!session || session.isClosed) {
          session = (await rawLogin(harness.port, harness.agent.name, harness.token, harness.connectionName))
            .client;
          outcomes.sessions += 1;
        }
        const seed = SEED_SEQUENCES[random.int(SEED_SEQUENCES.length)] as Buffer[];
        const mutated = mutateSequence(seed, random);
        const index = outcomes.sequences;
        outcomes.sequences += 1;
        outcomes.messages += mutated.messages;
        const outcome = await sendAndMark(session, mutated.chunks, `mark-${lane}-${index}`);
        outcomes[outcome] += 1;
        if (outcome !== "answered") {
          session.close();
          session = null;
        }
        if (index % CHECK_EVERY === CHECK_EVERY - 1) {
          // Other sessions unaffected: the bystander's answer is the data, whatever the fuzzer did.
          const { rows } = await bystander.query("SELECT count(*)::int AS n, max(v) AS top FROM data");
          expect(rows[0]).toEqual({ n: 50, top: "row 9" });
          expect(await canaryRows()).toBe(0);
        }
      }
      session?.close();
    };
    await Promise.all(Array.from({ length: LANES }, (_, lane) => runLane(lane)));
    const seconds = (performance.now() - started) / 1000;
    expect(await canaryRows()).toBe(0);
    const fresh = new pg.Client({ connectionString: harness.url });
    await fresh.connect();
    expect((await fresh.query("SELECT count(*)::int AS n FROM data")).rows).toEqual([{ n: 50 }]);
    await fresh.end();
    const internal = harness.logs.filter((line) => line.includes("internal error"));
    console.log(
      `fuzzer seed ${SEED}, ${LANES} lane(s): ${outcomes.sequences} sequences, ${outcomes.messages} messages, ` +
        `${outcomes.sessions} sessions in ${seconds.toFixed(0)} s (${(outcomes.messages / seconds).toFixed(0)} messages/s); ` +
        `answered ${outcomes.answered}, closed by the gateway ${outcomes.closed}, left waiting ${outcomes.waiting}; ` +
        `internal errors logged ${internal.length}; canary rows 0${isOutOfTime() ? `; stopped at the ${MAX_SECONDS} s budget` : ""}`,
    );
    for (const line of internal.slice(0, 5)) console.log(line.slice(0, 400));
  }, 86_400_000);
});
