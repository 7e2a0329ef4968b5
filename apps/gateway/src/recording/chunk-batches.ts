import type { PrismaClient } from "@sluice/db/prisma";

/** One recording chunk as the store keeps it. */
export type StoredChunkRow = {
  sessionId: string;
  seq: number;
  payload: Uint8Array<ArrayBuffer>;
  eventCount: number;
  prevHash: string;
  hash: string;
};

/** A batch the store refused: each of its chunks is tried again on its own (its error is `cause`). */
export class ChunkBatchRefused extends Error {
  constructor(
    readonly size: number,
    cause: unknown,
  ) {
    super(`a batch of ${size} recording chunks was refused: ${String(cause)}`, { cause });
  }
}

/**
 * Rows of one INSERT: PostgreSQL takes at most 65,535 parameters a statement (six a row), and one
 * statement of many sessions' chunks is refused or stored whole, so it is kept to a size a retry
 * alone would not mind.
 */
export const MAX_BATCH_ROWS = 1000;
/** Payload bytes of one INSERT (the chunks are in memory already; this bounds one statement's copy). */
export const MAX_BATCH_BYTES = 32 * 1024 * 1024;

/** recording_chunks' columns (prisma/schema.prisma's @map names), in the order rowOf gives them. */
const COLUMNS = ["session_id", "seq", "payload", "event_count", "prev_hash", "hash"] as const;

function rowOf(chunk: StoredChunkRow): unknown[] {
  return [chunk.sessionId, chunk.seq, chunk.payload, chunk.eventCount, chunk.prevHash, chunk.hash];
}

/**
 * One INSERT of `rows` chunks, every value a parameter. Raw SQL, not Prisma's createMany: measured
 * (bench/store-work-cost.ts) at a third of the gateway's CPU for 16 chunks, where createMany cost
 * nearly as much as 16 single INSERTs.
 */
function insertOf(rows: number): string {
  const values = Array.from(
    { length: rows },
    (_, row) => `(${COLUMNS.map((_, column) => `$${row * COLUMNS.length + column + 1}`).join(", ")})`,
  );
  return `INSERT INTO recording_chunks (${COLUMNS.join(", ")}) VALUES ${values.join(", ")}`;
}

type Waiting = { chunk: StoredChunkRow; stored: () => void; refused: (error: unknown) => void };

/**
 * Writes the chunks of many sessions with one INSERT: each live session's recording makes a chunk
 * a second, and a store round trip per chunk was most of the recording's store work at -c 16.
 * Chunks handed in while the batches are held (a flush round packing every session's chunk) or in
 * the same turn of the event loop go together. The batch is one statement, so it is stored whole or
 * not at all: a refused batch rejects every chunk in it (ChunkBatchRefused), and each is then tried
 * on its own by the writer's retries, as an unbatched chunk always was.
 */
export class ChunkBatches {
  private waiting: Waiting[] = [];
  private holds = 0;
  private isScheduled = false;
  private isClosing = false;

  constructor(private readonly prisma: PrismaClient) {}

  /**
   * Resolves once the chunk is stored; rejects with ChunkBatchRefused when its batch was not. A
   * chunk that `canWait` (an ended session's last) waits for the next batch to go (the flush round
   * makes one every RECORDING_FLUSH_MS) instead of making one of its own, unless closing.
   */
  store(chunk: StoredChunkRow, canWait = false): Promise<void> {
    return new Promise((stored, refused) => {
      this.waiting.push({ chunk, stored, refused });
      if (!canWait || this.isClosing) this.schedule();
    });
  }

  /** Sends what waits now, and every later chunk at once: a shutdown waits for no round. */
  close(): void {
    this.isClosing = true;
    this.schedule();
  }

  /**
   * Keeps chunks waiting until the returned release is called (once): a round's chunks go as one,
   * with every chunk that could wait for it.
   */
  hold(): () => void {
    this.holds += 1;
    let isReleased = false;
    return () => {
      if (isReleased) return;
      isReleased = true;
      this.holds -= 1;
      this.schedule();
    };
  }

  private schedule(): void {
    if (this.isScheduled || this.holds > 0 || this.waiting.length === 0) return;
    this.isScheduled = true;
    // After the current turn's microtasks: chunks whose packing finished together join one batch.
    setImmediate(() => {
      this.isScheduled = false;
      if (this.holds > 0) return;
      for (const batch of splitBatches(this.waiting.splice(0))) void this.send(batch);
    });
  }

  private async send(batch: Waiting[]): Promise<void> {
    if (batch.length === 0) return;
    try {
      const [only] = batch;
      if (batch.length === 1 && only) {
        await this.prisma.recordingChunk.create({ data: only.chunk, select: { seq: true } });
      } else {
        await this.prisma.$executeRawUnsafe(
          insertOf(batch.length),
          ...batch.flatMap(({ chunk }) => rowOf(chunk)),
        );
      }
    } catch (error) {
      const refused = new ChunkBatchRefused(batch.length, error);
      for (const waiting of batch) waiting.refused(refused);
      return;
    }
    for (const waiting of batch) waiting.stored();
  }
}

/** Consecutive runs of at most MAX_BATCH_ROWS chunks and MAX_BATCH_BYTES of payload (one at least). */
export function splitBatches<T extends { chunk: { payload: Uint8Array } }>(waiting: readonly T[]): T[][] {
  const batches: T[][] = [];
  let batch: T[] = [];
  let bytes = 0;
  for (const entry of waiting) {
    const size = entry.chunk.payload.byteLength;
    if (batch.length > 0 && (batch.length >= MAX_BATCH_ROWS || bytes + size > MAX_BATCH_BYTES)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(entry);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
