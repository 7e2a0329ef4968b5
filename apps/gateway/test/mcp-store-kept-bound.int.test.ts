import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../../../test/until";
import { KEPT_BOUND_LOGIN_HINT, KEPT_BOUND_LOGIN_MESSAGE } from "../src/recording/recording-limits";
import { type Harness, startHarness } from "./support/gateway-harness";
import { connectThrough } from "./support/stored-session-end";

/**
 * An MCP request at the kept-chunk bound (test/reliability/store-kept-bound.int.test.ts for the
 * Postgres path): with the store's recording_chunks locked and the bound at one byte, a chunk kept
 * for a SQL session reaches it, and an MCP request is refused by the shared check with a 503 that
 * says why (before, it was served, and a tool's own login was what got refused). Once the chunks are
 * stored requests are served again.
 */
let harness: Harness;
let locker: pg.Client;
let mcpUrl: URL;

beforeAll(async () => {
  harness = await startHarness({ isTlsEnabled: false, mcpPort: 0, maxKeptRecordingBytes: 1 });
  mcpUrl = new URL(`http://127.0.0.1:${harness.gateway.mcpPort}/mcp`);
  locker = new pg.Client({ connectionString: harness.storeUrl });
  await locker.connect();
});
afterAll(async () => {
  await locker?.end().catch(() => {});
  await harness?.stop();
});

const listTools = () =>
  fetch(mcpUrl, {
    method: "POST",
    headers: {
      authorization: `Bearer ${harness.token}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
  });

describe("an MCP request at the kept-chunk bound", () => {
  it("is refused with a 503 naming the store, and served once the chunks are stored", async () => {
    expect((await listTools()).status).toBe(200);
    const sql = await connectThrough(harness);
    try {
      await locker.query("BEGIN; LOCK TABLE recording_chunks IN ACCESS EXCLUSIVE MODE");
      // The SQL session's next chunk cannot be stored: kept, and the bound (one byte) is reached.
      await sql.query("SELECT 1");
      const refused = await until(
        async () => {
          const response = await listTools();
          return response.status === 200 ? null : response;
        },
        { what: "an MCP request refused at the kept-chunk bound", timeoutMs: 15_000, intervalMs: 250 },
      );
      expect(refused.status).toBe(503);
      expect(await refused.json()).toEqual({
        error: {
          rule: "sluice:store-unavailable",
          message: KEPT_BOUND_LOGIN_MESSAGE,
          hint: KEPT_BOUND_LOGIN_HINT,
        },
      });
      await locker.query("ROLLBACK");
      const served = await until(async () => ((await listTools()).status === 200 ? true : null), {
        what: "an MCP request once the kept chunks are stored",
        timeoutMs: 30_000,
        intervalMs: 250,
      });
      expect(served).toBe(true);
      expect(harness.logs.filter((line) => line.includes("internal error"))).toEqual([]);
    } finally {
      await locker.query("ROLLBACK").catch(() => {});
      await sql.end().catch(() => {});
    }
  }, 90_000);
});
