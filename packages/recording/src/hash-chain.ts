import { createHash, createHmac } from "node:crypto";

/** The `prevHash` of a session's first chunk. */
export const GENESIS_HASH = "0".repeat(64);

/**
 * A chunk's hash covers the previous chunk's hash, its position and its bytes: editing a chunk,
 * reordering two, or deleting one breaks every hash after it. With a key (HMAC-SHA256), only a
 * holder of the deployment's secret key could compute a replacement chain.
 */
export function chunkHash(prevHash: string, seq: number, payload: Buffer | Uint8Array, key?: Buffer): string {
  const mac = key ? createHmac("sha256", key) : createHash("sha256");
  return mac.update(prevHash).update(`:${seq}:`).update(payload).digest("hex");
}

/** What the session row says the recording ended with, written when the session ended. */
export type ChainAnchor = { chunks: number; hash: string };

export type StoredChunk = { seq: number; prevHash: string; hash: string; payload: Buffer | Uint8Array };

export type ChainVerdict =
  | { isVerified: true; chunks: number }
  | { isVerified: false; chunks: number; brokenAt: number; reason: string };

/**
 * Walks a session's chunks in seq order and reports the first one that breaks the chain; with an
 * anchor, a recording cut short (or whose last chunks were replaced) breaks it too.
 */
export function verifyChain(
  chunks: readonly StoredChunk[],
  options: { key?: Buffer; anchor?: ChainAnchor | null } = {},
): ChainVerdict {
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
    if (chunkHash(prev, chunk.seq, chunk.payload, options.key) !== chunk.hash) {
      return {
        isVerified: false,
        chunks: chunks.length,
        brokenAt: index,
        reason: `chunk ${index} was modified`,
      };
    }
    prev = chunk.hash;
  }
  const anchor = options.anchor;
  if (anchor && (anchor.chunks !== chunks.length || anchor.hash !== prev)) {
    const brokenAt = Math.min(anchor.chunks, chunks.length);
    const reason =
      anchor.chunks > chunks.length
        ? `the session ended with ${anchor.chunks} chunks; chunks from ${chunks.length} on are missing`
        : `the chain does not end where the session recorded its end`;
    return { isVerified: false, chunks: chunks.length, brokenAt, reason };
  }
  return { isVerified: true, chunks: chunks.length };
}
