import { verifyChain } from "@sluice/recording/hash-chain";
import { deriveKey, RECORDING_CHAIN_PURPOSE } from "@sluice/secrets/derive-key";
import pg from "pg";
import { until } from "../../../../test/until";
import type { Harness } from "./gateway-harness";

/** A pg client through the gateway whose connection errors (a FATAL end) are collected, not thrown. */
export async function connectThrough(harness: Harness): Promise<pg.Client & { errors: pg.DatabaseError[] }> {
  const client = Object.assign(new pg.Client({ connectionString: harness.url }), {
    errors: [] as pg.DatabaseError[],
  });
  client.on("error", (error) => client.errors.push(error as pg.DatabaseError));
  await client.connect();
  return client;
}

export const rowValue = async (client: pg.Client, id: number) =>
  (await client.query<{ v: string }>("SELECT v FROM data WHERE id = $1", [id])).rows[0]?.v;

/** The newest session still open in the store: the one a test just logged in. */
export async function newestLiveSessionId(harness: Harness): Promise<string> {
  const { id } = await harness.prisma.gatewaySession.findFirstOrThrow({
    where: { endedAt: null },
    orderBy: { startedAt: "desc" },
  });
  return id;
}

/**
 * What the store holds of a session once its end and anchor are there (waited for): the row, the
 * chunk seqs, and the hash chain's verdict against the anchor, as the console verifies it.
 */
export async function storedEnd(harness: Harness, sessionId: string) {
  const row = await until(
    async () => {
      const session = await harness.prisma.gatewaySession.findUniqueOrThrow({ where: { id: sessionId } });
      return session.endedAt && session.recordingChunks !== null ? session : null;
    },
    { what: "the session's end and recording anchor stored", timeoutMs: 60_000, intervalMs: 250 },
  );
  const chunks = await harness.prisma.recordingChunk.findMany({
    where: { sessionId },
    select: { seq: true, prevHash: true, hash: true, payload: true },
    orderBy: { seq: "asc" },
  });
  const verdict = verifyChain(chunks, {
    key: deriveKey(harness.secretKey, RECORDING_CHAIN_PURPOSE),
    anchor: row.recordingHash ? { chunks: row.recordingChunks ?? 0, hash: row.recordingHash } : null,
  });
  return { row, seqs: chunks.map((chunk) => chunk.seq), verdict };
}
