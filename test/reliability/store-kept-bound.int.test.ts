import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { KEPT_BOUND_REASON } from "../../apps/gateway/src/recording/recording-limits";
import { type Harness, startHarness } from "../../apps/gateway/test/support/gateway-harness";
import {
  connectThrough,
  newestLiveSessionId,
  rowValue,
  storedEnd,
} from "../../apps/gateway/test/support/stored-session-end";
import { adminQuery } from "../support";
import { until } from "../until";

/**
 * The store takes logins but not recordings: its recording_chunks table is locked (a stuck vacuum,
 * a migration, a disk that stalls writes), so every chunk waits in the gateway's memory. The
 * process-wide bound on kept chunks is set to one byte, so the first kept chunk reaches it: a new
 * login is refused with 57P03, a session that goes on is ended rather than grow memory, and once
 * the store takes writes again nothing kept is missing and new logins are served.
 */
let harness: Harness;
let locker: pg.Client;
beforeAll(async () => {
  harness = await startHarness({ isTlsEnabled: false, maxKeptRecordingBytes: 1 });
  await adminQuery(
    harness.directUrl,
    "CREATE TABLE data (id int PRIMARY KEY, v text); INSERT INTO data VALUES (1, 'row 1')",
  );
  locker = new pg.Client({ connectionString: harness.storeUrl });
  await locker.connect();
});
afterAll(async () => {
  await locker?.end().catch(() => {});
  await harness?.stop();
});

it("refuses new logins and ends growing sessions at the kept-chunk bound, and loses nothing", async () => {
  const inFlight = await connectThrough(harness);
  expect(await rowValue(inFlight, 1)).toBe("row 1");
  const sessionId = await newestLiveSessionId(harness);

  await locker.query("BEGIN; LOCK TABLE recording_chunks IN ACCESS EXCLUSIVE MODE");
  // The session's next chunk cannot be stored: kept, and the bound (one byte) is reached.
  expect(await rowValue(inFlight, 1)).toBe("row 1");
  const refused = await until(
    () =>
      connectThrough(harness).then(
        async (client) => {
          await client.end();
          return null;
        },
        (error: pg.DatabaseError) => error,
      ),
    { what: "a login refused at the kept-chunk bound", timeoutMs: 10_000, intervalMs: 200 },
  );
  expect(refused).toMatchObject({
    code: "57P03",
    severity: "FATAL",
    message: "the Sluice store is unavailable: this gateway keeps as many recordings for it as it may",
  });
  // The session in flight is ended at its next flush instead of keeping more.
  await until(
    async () => {
      await rowValue(inFlight, 1).catch(() => {});
      return inFlight.errors[0];
    },
    { what: "the session in flight to be ended", timeoutMs: 10_000, intervalMs: 300 },
  );
  expect(inFlight.errors[0]).toMatchObject({ code: "53000", severity: "FATAL", message: KEPT_BOUND_REASON });

  await locker.query("ROLLBACK");
  // Everything kept is stored: the session shows ended and its recording verifies against its anchor.
  const { row, verdict } = await storedEnd(harness, sessionId);
  expect(row.endReason).toBe(KEPT_BOUND_REASON);
  expect(verdict).toEqual({ isVerified: true, chunks: row.recordingChunks });
  expect(row.recordingChunks).toBeGreaterThan(0);
  // With nothing kept any more, logins are served again.
  const next = await until(() => connectThrough(harness).catch(() => null), {
    what: "a new login once the kept chunks are stored",
    timeoutMs: 10_000,
    intervalMs: 200,
  });
  expect(await rowValue(next, 1)).toBe("row 1");
  await next.end();
  expect(
    harness.logs.filter((line) => line.includes("has a gap") || line.includes("internal error")),
  ).toEqual([]);
}, 90_000);
