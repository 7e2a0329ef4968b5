import { unpackChunk } from "@sluice/recording/chunk-codec";
import { verifyChain } from "@sluice/recording/hash-chain";
import { deriveKey, RECORDING_CHAIN_PURPOSE } from "@sluice/secrets/derive-key";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../../../test/until";
import { type Harness, startHarness } from "./support/gateway-harness";

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ isTlsEnabled: false });
});
afterAll(() => harness?.stop());

describe("recording chunks of many sessions", () => {
  it("stores one flush round's chunks of every live session with one INSERT, each chain whole", async () => {
    const clients = Array.from({ length: 3 }, () => new pg.Client({ connectionString: harness.url }));
    await Promise.all(clients.map((client) => client.connect()));
    await Promise.all(clients.map((client, n) => client.query(`SELECT ${n + 1} AS first`)));
    // Until a flush round (every RECORDING_FLUSH_MS) has stored chunks of all three while they are live.
    await until(
      async () =>
        (
          await harness.prisma.recordingChunk.findMany({
            where: { session: { agent: { name: harness.agent.name } } },
            distinct: ["sessionId"],
            select: { sessionId: true },
          })
        ).length === 3,
      { what: "a flush round's chunks of the three live sessions", timeoutMs: 30_000, intervalMs: 100 },
    );
    await Promise.all(clients.map((client, n) => client.query(`SELECT ${n + 10} AS second`)));
    const pids = await Promise.all(
      clients.map(async (client) => (await client.query("SELECT pg_backend_pid() AS pid")).rows[0].pid),
    );
    expect(new Set(pids).size).toBe(3);
    await Promise.all(clients.map((client) => client.end()));

    const sessions = await harness.prisma.gatewaySession.findMany({
      where: { agent: { name: harness.agent.name } },
      select: { id: true },
    });
    expect(sessions).toHaveLength(3);
    const key = deriveKey(harness.secretKey, RECORDING_CHAIN_PURPOSE);
    const chunksOf = await Promise.all(
      sessions.map((session) =>
        until(
          async () => {
            const row = await harness.prisma.gatewaySession.findUniqueOrThrow({ where: { id: session.id } });
            if (row.recordingHash === null) return null;
            const chunks = await harness.prisma.recordingChunk.findMany({
              where: { sessionId: session.id },
              orderBy: { seq: "asc" },
            });
            return { chunks, anchor: { chunks: row.recordingChunks ?? 0, hash: row.recordingHash } };
          },
          { what: "the recording's anchor", intervalMs: 100 },
        ),
      ),
    );
    for (const [index, { chunks, anchor }] of chunksOf.entries()) {
      expect(verifyChain(chunks, { key, anchor }), `session ${index}`).toEqual({
        isVerified: true,
        chunks: chunks.length,
      });
      const sql = chunks
        .flatMap((chunk) => unpackChunk(chunk.payload))
        .flatMap((event) => (event.type === "statement" ? [event.sql] : []));
      expect(sql).toHaveLength(3);
    }
    // One INSERT is one transaction: its rows share their xmin, which separate INSERTs never do. A
    // round can fall between the first statements, never between all three: two sessions at least share one.
    const rows = await harness.prisma.$queryRawUnsafe<{ sessionId: string; xmin: string }[]>(
      `SELECT session_id AS "sessionId", xmin::text AS xmin FROM recording_chunks WHERE session_id = ANY($1)`,
      sessions.map((session) => session.id),
    );
    const sessionsOf = new Map<string, Set<string>>();
    for (const row of rows)
      sessionsOf.set(row.xmin, (sessionsOf.get(row.xmin) ?? new Set()).add(row.sessionId));
    expect(Math.max(...[...sessionsOf.values()].map((ids) => ids.size))).toBeGreaterThanOrEqual(2);
  });
});
