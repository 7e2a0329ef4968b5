import type pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { STORE_UNREACHABLE_REASON } from "../../apps/gateway/src/recording/recording-limits";
import { type Harness, startHarness } from "../../apps/gateway/test/support/gateway-harness";
import {
  connectThrough,
  newestLiveSessionId,
  rowValue,
  storedEnd,
} from "../../apps/gateway/test/support/stored-session-end";
import { adminQuery } from "../support";
import { startTcpRelay, type TcpRelay } from "../tcp-relay";
import { until } from "../until";

/**
 * The Sluice store (its own PostgreSQL database) goes away and comes back while agents work. The
 * gateway reaches its store through a relay the test cuts: every store connection is reset and new
 * ones are refused, as when the store's server crashes or the network to it fails; the server
 * itself keeps running, so the test checks afterwards what really reached it.
 *
 * - a session in flight keeps working (its agent, connection and policy were read at login) and its
 *   recording comes through whole once the store is back;
 * - a new login is refused with 57P03 and a message that names the store, never let in unchecked;
 * - once the store is back, new logins succeed without restarting the gateway;
 * - a store away for longer than a recording chunk's retries ends the sessions that would run on
 *   unrecorded, and their recordings and ends (endedAt, reason, anchor) are stored once it is back.
 */
/**
 * How long the store stays away after the session's statements: the outage itself, the scenario's
 * one duration (not a wait for an event). Longer than a recording flush (1 s) plus the retries a
 * chunk used to get (1.25 s), so the in-flight session's recording must come through it.
 */
const OUTAGE_MS = 4000;
/** The retries of the second gateway's recording chunks: 0.6 s in all, far shorter than OUTAGE_MS. */
const SHORT_RETRY_DELAYS_MS = [200, 400];

let harness: Harness;
let relay: TcpRelay;
beforeAll(async () => {
  const store = new URL(inject("adminUrl"));
  relay = await startTcpRelay({ host: store.hostname, port: Number(store.port) });
  harness = await startHarness({ isTlsEnabled: false, storeRoute: relay.urlThrough });
  await adminQuery(
    harness.directUrl,
    "CREATE TABLE data (id int PRIMARY KEY, v text); INSERT INTO data SELECT g, 'row ' || g FROM generate_series(1, 5) g",
  );
});
afterAll(async () => {
  await relay?.restore().catch(() => {});
  await harness?.stop();
  await relay?.close();
});

const connect = () => connectThrough(harness);

describe("the store down and back", () => {
  it("keeps sessions in flight, refuses new logins clearly while down, serves them after", async () => {
    const inFlight = await connect();
    expect(await rowValue(inFlight, 1)).toBe("row 1");
    const sessionId = await newestLiveSessionId(harness);

    await relay.cut();
    // The session in flight goes on: what it needs was read at login.
    for (const id of [2, 3, 4]) expect(await rowValue(inFlight, id)).toBe(`row ${id}`);
    // A new login cannot be checked: refused, and told why.
    const refused = await connect().catch((error: pg.DatabaseError) => error);
    expect(refused).toMatchObject({
      code: "57P03",
      severity: "FATAL",
      message: "the Sluice gateway cannot reach its store to check this login",
    });
    expect(harness.logs.filter((line) => line.includes("internal error"))).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    for (const id of [5, 1]) expect(await rowValue(inFlight, id)).toBe(`row ${id}`);

    await relay.restore();
    const next = await until(() => connect().catch(() => null), {
      what: "a new login once the store is back",
      timeoutMs: 30_000,
      intervalMs: 250,
    });
    expect(await rowValue(next, 5)).toBe("row 5");
    expect(await rowValue(inFlight, 1)).toBe("row 1");
    await Promise.all([next.end(), inFlight.end()]);

    // The recording of the session that lived through it is whole: anchored, no chunk missing.
    const { seqs, verdict } = await storedEnd(harness, sessionId);
    expect(seqs.length).toBeGreaterThan(0);
    expect(verdict).toEqual({ isVerified: true, chunks: seqs.length });
    expect(harness.logs.filter((line) => line.includes("has a gap"))).toEqual([]);
  }, 120_000);
});

describe("the store down for longer than a recording's retries", () => {
  let shortRetries: Harness;
  let shortRelay: TcpRelay;
  beforeAll(async () => {
    const store = new URL(inject("adminUrl"));
    shortRelay = await startTcpRelay({ host: store.hostname, port: Number(store.port) });
    shortRetries = await startHarness({
      isTlsEnabled: false,
      storeRoute: shortRelay.urlThrough,
      recordingRetryDelaysMs: SHORT_RETRY_DELAYS_MS,
    });
    await adminQuery(
      shortRetries.directUrl,
      "CREATE TABLE data (id int PRIMARY KEY, v text); INSERT INTO data VALUES (1, 'row 1')",
    );
  });
  afterAll(async () => {
    await shortRelay?.restore().catch(() => {});
    await shortRetries?.stop();
    await shortRelay?.close();
  });

  it("ends the session fail-closed, keeps its recording and its end, stores both when the store is back", async () => {
    const inFlight = await connectThrough(shortRetries);
    expect(await rowValue(inFlight, 1)).toBe("row 1");
    const sessionId = await newestLiveSessionId(shortRetries);

    await shortRelay.cut();
    // Answered while the recording's chunk is still within its retries...
    expect(await rowValue(inFlight, 1)).toBe("row 1");
    // ...then, past them, ended: it would run on unrecorded.
    await until(async () => inFlight.errors[0], {
      what: "the session to be ended",
      timeoutMs: OUTAGE_MS * 5,
    });
    expect(inFlight.errors[0]).toMatchObject({
      code: "53000",
      severity: "FATAL",
      message: STORE_UNREACHABLE_REASON,
    });
    await expect(rowValue(inFlight, 1)).rejects.toThrow();
    // The end was written while the store was away: longer than every retry wait, it must be retried.
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    await shortRelay.restore();

    // The session shows ended, why, and a recording that verifies against its anchor: nothing given up.
    const { row, seqs, verdict } = await storedEnd(shortRetries, sessionId);
    expect(row.endReason).toBe(STORE_UNREACHABLE_REASON);
    expect(row.recordingChunks).toBeGreaterThan(0);
    expect(seqs).toEqual(Array.from({ length: row.recordingChunks ?? 0 }, (_, seq) => seq));
    expect(verdict).toEqual({ isVerified: true, chunks: row.recordingChunks });
    expect(
      shortRetries.logs.filter((line) => line.includes("has a gap") || line.includes("could not record")),
    ).toEqual([]);
    await inFlight.end().catch(() => {});
  }, 120_000);
});
