import { createHash } from "node:crypto";

/** The `prevHash` of a session's first chunk. */
export const GENESIS_HASH = "0".repeat(64);

/**
 * A chunk's hash covers the previous chunk's hash, its position and its bytes: editing a chunk,
 * reordering two, or deleting one breaks every hash after it.
 */
export function chunkHash(prevHash: string, seq: number, payload: Buffer | Uint8Array): string {
  return createHash("sha256").update(prevHash).update(`:${seq}:`).update(payload).digest("hex");
}

export type StoredChunk = { seq: number; prevHash: string; hash: string; payload: Buffer | Uint8Array };

export type ChainVerdict =
  | { isVerified: true; chunks: number }
  | { isVerified: false; chunks: number; brokenAt: number; reason: string };

/** Walks a session's chunks in seq order and reports the first one that breaks the chain. */
export function verifyChain(chunks: readonly StoredChunk[]): ChainVerdict {
  let prev = GENESIS_HASH;
  for (const [index, chunk] of chunks.entries()) {
    if (chunk.seq !== index) {
      return {
        isVerified: false,
        chunks: chunks.length,
        brokenAt: index,
        reason: `chunk ${index} is missing (found seq ${chunk.seq})`,
      };
    }
    if (chunk.prevHash !== prev) {
      return {
        isVerified: false,
        chunks: chunks.length,
        brokenAt: index,
        reason: `chunk ${index} does not follow chunk ${index - 1}`,
      };
    }
    if (chunkHash(prev, chunk.seq, chunk.payload) !== chunk.hash) {
      return {
        isVerified: false,
        chunks: chunks.length,
        brokenAt: index,
        reason: `chunk ${index} was modified`,
      };
    }
    prev = chunk.hash;
  }
  return { isVerified: true, chunks: chunks.length };
}
