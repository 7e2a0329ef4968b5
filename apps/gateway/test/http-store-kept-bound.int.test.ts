import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../../../test/until";
import { KEPT_BOUND_LOGIN_HINT, KEPT_BOUND_LOGIN_MESSAGE } from "../src/recording/recording-limits";
import { type HttpHarness, startHttpHarness } from "./support/http-harness";

/**
 * An HTTP call at the kept-chunk bound (test/reliability/store-kept-bound.int.test.ts for the
 * Postgres path): the store takes logins but not recordings (its recording_chunks table is locked),
 * and the bound is one byte, so the first chunk kept reaches it. Calls are then refused by the
 * shared check with a 503 that says why, before anything reaches the upstream; once the chunks are
 * stored calls are served again.
 */
let harness: HttpHarness;
let locker: pg.Client;

beforeAll(async () => {
  harness = await startHttpHarness({ maxKeptRecordingBytes: 1 });
  locker = new pg.Client({ connectionString: harness.storeUrl });
  await locker.connect();
});
afterAll(async () => {
  await locker?.end().catch(() => {});
  await harness?.stop();
});

describe("an HTTP call at the kept-chunk bound", () => {
  it("is refused with a 503 naming the store, reaches no upstream, and is served once stored", async () => {
    expect((await harness.call("/shop/customers?limit=1")).status).toBe(200);
    await locker.query("BEGIN; LOCK TABLE recording_chunks IN ACCESS EXCLUSIVE MODE");
    try {
      // The first call's chunk, flushed within a second, cannot be stored: kept, and the bound (one
      // byte) is reached.
      const refused = await until(
        async () => {
          // A new client socket each time: a new HTTP session, as a new login on the SQL paths.
          const response = await harness.call("/shop/customers?limit=1", {
            headers: { connection: "close" },
          });
          return response.status === 200 ? null : response;
        },
        { what: "an HTTP call refused at the kept-chunk bound", timeoutMs: 15_000, intervalMs: 250 },
      );
      const upstreamCalls = harness.upstream.seen.length;
      expect(refused.status).toBe(503);
      expect(await refused.json()).toEqual({
        error: {
          rule: "sluice:store-unavailable",
          message: KEPT_BOUND_LOGIN_MESSAGE,
          hint: KEPT_BOUND_LOGIN_HINT,
        },
      });
      // Refused before the upstream: the next call is refused too and the upstream sees neither.
      expect((await harness.call("/shop/customers?limit=1")).status).toBe(503);
      expect(harness.upstream.seen.length).toBe(upstreamCalls);
      await locker.query("ROLLBACK");
      const served = await until(
        async () => ((await harness.call("/shop/customers?limit=1")).status === 200 ? true : null),
        { what: "an HTTP call once the kept chunks are stored", timeoutMs: 30_000, intervalMs: 250 },
      );
      expect(served).toBe(true);
      expect(harness.logs.filter((line) => line.includes("internal error"))).toEqual([]);
    } finally {
      await locker.query("ROLLBACK").catch(() => {});
    }
  }, 90_000);
});
