import type { PrismaClient } from "@sluice/db/prisma";
import { ChunkBatches, type StoredChunkRow } from "./chunk-batches";
import type { StoreRetries } from "./store-retries";

/** PostgreSQL's unique_violation through Prisma: the row is there already. */
const UNIQUE_VIOLATION = "P2002";

/**
 * Stores recording chunks, each until the store takes it: its first attempt in a batch with other
 * sessions' chunks (ChunkBatches), every later one alone, after the writer's retry waits.
 */
export class ChunkWrites {
  private readonly batches: ChunkBatches;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly retries: StoreRetries,
    private readonly log: (line: string) => void,
    /** The retry waits are spent and the chunk is still refused (it goes on being tried). */
    private readonly onSpent: (chunk: StoredChunkRow, error: unknown) => void,
  ) {
    this.batches = new ChunkBatches(prisma);
  }

  /** Holds first attempts until the release is called, so that they go as one INSERT. */
  hold(): () => void {
    return this.batches.hold();
  }

  /** First attempts that could wait for a round go now, and later ones at once. */
  close(): void {
    this.batches.close();
  }

  /**
   * Stores one chunk, trying again while the store refuses: past the retry delays `onSpent` is told
   * and the chunk still tried; false only when the writer closes before the store takes it. One
   * that `canWait` first waits for the next round's batch (ChunkBatches).
   */
  async store(chunk: StoredChunkRow, canWait = false): Promise<boolean> {
    let isFirstAttempt = true;
    const givenUp = await this.retries.untilStored(
      () => {
        if (isFirstAttempt) {
          isFirstAttempt = false;
          return this.batches.store(chunk, canWait);
        }
        return this.prisma.recordingChunk.create({ data: chunk, select: { seq: true } });
      },
      {
        // An earlier attempt that was stored but whose answer was lost: the same bytes are there.
        // Checked by reading only when giving up, so a gap is a real one. A refused batch comes as
        // ChunkBatchRefused, without the code: its unique violation may be another chunk's.
        isDone: async (error, isSpent) =>
          (error as { code?: unknown }).code === UNIQUE_VIOLATION ||
          (isSpent && (await this.isStored(chunk))),
        onSpent: (error) => this.onSpent(chunk, error),
      },
    );
    if (!givenUp) return true;
    this.log(
      `recording chunk ${chunk.seq} of session ${chunk.sessionId} was not stored after ${givenUp.attempts} attempts and the gateway shut down, the recording has a gap there: ${String(givenUp.error)}`,
    );
    return false;
  }

  /** Whether the store holds this chunk (false when it cannot even say). */
  private async isStored(chunk: StoredChunkRow): Promise<boolean> {
    try {
      const found = await this.prisma.recordingChunk.findUnique({
        where: { sessionId_seq: { sessionId: chunk.sessionId, seq: chunk.seq } },
        select: { hash: true },
      });
      return found?.hash === chunk.hash;
    } catch {
      return false;
    }
  }
}
