import { promisify } from "node:util";
import { deflate, deflateSync, inflateSync } from "node:zlib";
import { parseEvents, type RecordingEvent } from "./events";

const deflateAsync = promisify(deflate);

/**
 * Recording chunks are stored zlib-compressed: a statement's NDJSON shrinks about 15×, so the store
 * writes (and the database compresses, TOASTs and replicates) a fraction of the bytes. Level 1: the
 * gateway pays well under a microsecond per statement, on the thread pool for all but small chunks.
 */
const LEVEL = 1;

/** A zlib stream's first byte (CMF: deflate, 32 KiB window). An NDJSON line always starts with `{`. */
const ZLIB_CMF = 0x78;

/**
 * Chunks up to this size are compressed on the event loop. The thread pool's way builds a zlib
 * stream and hops threads, which for a few hundred bytes (an idle second, a short session's last
 * chunk: one per connect) cost ~90–150 µs of CPU against ~10–20 µs inline, measured side by side;
 * 16 KiB at level 1 holds the loop for well under a millisecond. The bytes are the same either way.
 */
export const INLINE_DEFLATE_MAX_BYTES = 16 * 1024;

export function packChunk(ndjson: string | Buffer): Promise<Buffer> {
  const bytes = typeof ndjson === "string" ? Buffer.from(ndjson, "utf8") : ndjson;
  if (bytes.length > INLINE_DEFLATE_MAX_BYTES) return deflateAsync(bytes, { level: LEVEL });
  try {
    return Promise.resolve(deflateSync(bytes, { level: LEVEL }));
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * A stored chunk's events. Chunks written before compression (plain NDJSON, first byte `{`) are
 * read as they are; a corrupt compressed chunk throws, and chain verification reports it first.
 */
export function unpackChunk(payload: Buffer | Uint8Array): RecordingEvent[] {
  const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const text = bytes[0] === ZLIB_CMF ? inflateSync(bytes).toString("utf8") : bytes.toString("utf8");
  return parseEvents(text);
}

/**
 * The events of a session's chunks in order, up to the first chunk that cannot be read (tampered
 * or corrupt): what follows it cannot be trusted, and the chain's verification names that chunk.
 */
export function unpackChunks(chunks: readonly { payload: Buffer | Uint8Array }[]): RecordingEvent[] {
  const events: RecordingEvent[] = [];
  for (const chunk of chunks) {
    try {
      events.push(...unpackChunk(chunk.payload));
    } catch {
      break;
    }
  }
  return events;
}
