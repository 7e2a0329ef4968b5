import { promisify } from "node:util";
import { deflate, inflateSync } from "node:zlib";
import { parseEvents, type RecordingEvent } from "./events";

const deflateAsync = promisify(deflate);

/**
 * Recording chunks are stored zlib-compressed: a statement's NDJSON shrinks about 15×, so the store
 * writes (and the database compresses, TOASTs and replicates) a fraction of the bytes. Level 1: the
 * gateway pays well under a microsecond per statement, on the thread pool, not the event loop.
 */
const LEVEL = 1;

/** A zlib stream's first byte (CMF: deflate, 32 KiB window). An NDJSON line always starts with `{`. */
const ZLIB_CMF = 0x78;

export function packChunk(ndjson: string | Buffer): Promise<Buffer> {
  return deflateAsync(typeof ndjson === "string" ? Buffer.from(ndjson, "utf8") : ndjson, { level: LEVEL });
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
