import net from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../../apps/gateway/test/support/gateway-harness";
import { errorFields } from "../../apps/gateway/test/support/raw-client";
import type { UpstreamPool } from "../../packages/transport/src/upstream-pool";
import { adminQuery } from "../support";
import { mutateStartup, type StartupCase } from "./fuzz-startup";
import { createRandom } from "./seeded-random";

/**
 * The startup phase under fuzzing: mutated StartupMessages (hostile parameters, flipped bytes,
 * truncation, impossible lengths, unknown versions), SSLRequest and GSSENCRequest followed by
 * garbage, CancelRequests with wrong lengths, messages before the startup, and broken SASL
 * exchanges after it, many clients at once, with TLS offered as shipped.
 *
 * Invariants: each fuzzed client is refused on its own connection (a FATAL with a SQLSTATE then the
 * close, or the close without a word where PostgreSQL closes without one, or still asked to
 * authenticate), never logged in; a client with an impossible length or that hung up is closed;
 * the bystander session's answers stay right and new logins work throughout; the upstream sees no
 * login for any of them; the gateway logs no internal error.
 */
const CLIENTS = Number(process.env.SLUICE_STARTUP_FUZZ_CLIENTS ?? 160);
const CI_SEED = 20261205;
const SEED = Number(process.env.SLUICE_FUZZ_SEED ?? (process.env.CI ? CI_SEED : Date.now() % 2_147_483_647));
/** Fuzzed clients in flight at once: enough to overlap, few enough for a shared 2-core machine. */
const PARALLEL = 16;
/** How long a client waits for the gateway to close it; the cases left waiting are then dropped. */
const OBSERVE_MS = 5000;
/** Authentication request codes a server sends before the login succeeds (SASL, SASLContinue). */
const PRE_LOGIN_AUTH_CODES = new Set([10, 11]);

let harness: Harness;
let bystander: pg.Client;
beforeAll(async () => {
  harness = await startHarness({ isTlsEnabled: true });
  await adminQuery(
    harness.directUrl,
    "CREATE TABLE data (id int PRIMARY KEY); INSERT INTO data VALUES (1), (2)",
  );
  bystander = new pg.Client({ connectionString: harness.url });
  await bystander.connect();
});
afterAll(async () => {
  await bystander?.end().catch(() => {});
  await harness?.stop();
});

type Observed = { answer: Buffer; isClosed: boolean };

/** Sends one case on a fresh socket; resolves when the gateway closes it or after OBSERVE_MS. */
function runCase(startupCase: StartupCase): Promise<Observed> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port: harness.port });
    const received: Buffer[] = [];
    let isDone = false;
    const finish = (isClosed: boolean) => {
      if (isDone) return;
      isDone = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ answer: Buffer.concat(received), isClosed });
    };
    const timer = setTimeout(() => finish(false), OBSERVE_MS);
    socket.on("data", (chunk) => received.push(chunk));
    socket.on("close", () => finish(true));
    socket.on("error", () => {});
    socket.on("connect", async () => {
      for (const chunk of startupCase.chunks) {
        if (socket.destroyed) return;
        socket.write(chunk);
        // Each chunk its own TCP write, so the gateway sees the split.
        await new Promise((next) => setImmediate(next));
      }
      if (startupCase.isEnded && !socket.destroyed) socket.end();
    });
  });
}

/**
 * Reads what the gateway answered before any login: single-byte answers to SSLRequest and
 * GSSENCRequest ('S' then TLS, 'N'), protocol-2 refusals, then 3.0 messages. Throws on anything a
 * server may not send a client that has not logged in.
 */
function classify(observed: Observed): string {
  const { answer } = observed;
  const outcomes: string[] = [];
  let offset = 0;
  while (offset < answer.length) {
    const type = String.fromCharCode(answer[offset] ?? 0);
    if (type === "N") {
      offset += 1;
      continue;
    }
    if (type === "S") return [...outcomes, "TLS accepted, then closed or left waiting"].join(", ");
    if (answer.toString("latin1", offset + 1, offset + 7) === "FATAL:")
      return [...outcomes, "protocol 2 refusal"].join(", ");
    if (answer.length - offset < 5)
      throw new Error(`a partial message: ${answer.subarray(offset).toString("hex")}`);
    const length = answer.readInt32BE(offset + 1);
    const body = answer.subarray(offset + 5, offset + 1 + length);
    offset += 1 + length;
    if (type === "E") {
      const fields = errorFields(body);
      if (fields["S"] !== "FATAL" || !fields["C"])
        throw new Error(`not a FATAL with a code: ${JSON.stringify(fields)}`);
      if (!observed.isClosed) throw new Error(`left open after FATAL ${fields["C"]}`);
      outcomes.push(`FATAL ${fields["C"]}`);
    } else if (type === "R") {
      const code = body.readInt32BE(0);
      if (!PRE_LOGIN_AUTH_CODES.has(code)) throw new Error(`authentication message ${code}: it logged in`);
      outcomes.push("asked to authenticate");
    } else if (type === "v") {
      outcomes.push("protocol version negotiated");
    } else {
      throw new Error(`message '${type}' before any login`);
    }
  }
  if (outcomes.length === 0) outcomes.push(observed.isClosed ? "closed without a word" : "left waiting");
  return outcomes.join(", ");
}

async function expectBystanderFine() {
  const { rows } = await bystander.query("SELECT count(*)::int AS n FROM data");
  expect(rows).toEqual([{ n: 2 }]);
}

describe("startup-phase fuzzer", () => {
  it(`refuses ${CLIENTS} mutated startups (seed ${SEED}) one client at a time while others carry on`, async () => {
    const random = createRandom(SEED);
    const cases = Array.from({ length: CLIENTS }, () =>
      mutateStartup(random, harness.agent.name, harness.connectionName),
    );
    const tally = new Map<string, number>();
    let next = 0;
    const failures: string[] = [];
    const worker = async () => {
      for (let index = next++; index < cases.length; index = next++) {
        const startupCase = cases[index] as StartupCase;
        const observed = await runCase(startupCase);
        try {
          const outcome = classify(observed);
          if ((startupCase.mustClose || startupCase.isEnded) && !observed.isClosed)
            throw new Error("not closed");
          tally.set(outcome, (tally.get(outcome) ?? 0) + 1);
        } catch (error) {
          failures.push(`case ${index} (${startupCase.kind}): ${(error as Error).message}`);
        }
      }
    };
    // Logins and queries that must carry on while the fuzzed clients are refused.
    let loginsDuringFuzz = 0;
    let isFuzzing = true;
    const others = (async () => {
      while (isFuzzing) {
        await expectBystanderFine();
        const fresh = new pg.Client({ connectionString: harness.url });
        await fresh.connect();
        expect((await fresh.query("SELECT max(id) AS top FROM data")).rows).toEqual([{ top: 2 }]);
        await fresh.end();
        loginsDuringFuzz += 1;
      }
    })();
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    isFuzzing = false;
    await others;
    expect(failures).toEqual([]);
    expect(loginsDuringFuzz).toBeGreaterThan(0);

    // No fuzzed client got as far as a session (and so an upstream login): the sessions are exactly
    // the bystander and the fresh logins. (Counting the pool's backends instead raced: a fresh
    // login's backend may still be resetting when the next one needs one.)
    const connection = await harness.prisma.connection.findUniqueOrThrow({
      where: { name: harness.connectionName },
    });
    expect(await harness.prisma.gatewaySession.count({ where: { connectionId: connection.id } })).toBe(
      1 + loginsDuringFuzz,
    );
    const pool = (harness.gateway.server.upstreams as UpstreamPool).stats(connection.id);
    expect(pool.waiting).toBe(0);
    const internal = harness.logs.filter((line) => line.includes("internal error"));
    expect(internal).toEqual([]);
    console.log(
      `startup fuzzer seed ${SEED}: ${CLIENTS} clients, ${PARALLEL} at a time; ${loginsDuringFuzz} logins and bystander queries served meanwhile; outcomes ${JSON.stringify(Object.fromEntries([...tally].sort(([, a], [, b]) => b - a)))}`,
    );
  }, 600_000);
});
