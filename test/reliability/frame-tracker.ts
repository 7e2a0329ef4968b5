/**
 * Follows the client → gateway byte stream of one logged-in session as the gateway's framer reads
 * it (a type byte, then a length that counts itself), so the session fuzzer knows where the gateway
 * stands after a mutated sequence: between messages, inside one whose length lied (it waits for
 * the bytes promised), or past a header it refuses (it closes the session).
 * @see https://www.postgresql.org/docs/current/protocol-overview.html#PROTOCOL-MESSAGE-CONCEPTS
 */

/** The gateway's cap on a message after login (`MAX_MESSAGE_BYTES` in packages/wire). */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** Frontend message types the gateway frames after login; any other type ends the session. */
const KNOWN_TYPES = new Set([..."QPBDECSHXdcfFp"].map((type) => type.charCodeAt(0)));
const HEADER_BYTES = 5;

export type FrameState =
  | { kind: "aligned" }
  /** The gateway waits for `missing` more bytes to finish the message in progress. */
  | { kind: "partial"; missing: number }
  /** The gateway has refused a header: an unknown type or an impossible length. */
  | { kind: "refused" };

export type FrameTracker = {
  /** Feeds bytes written to the session; returns how many whole frames they completed. */
  feed: (chunk: Buffer) => number;
  state: () => FrameState;
  /** Whether the message in progress still lacks part of its length word. */
  isInHeader: () => boolean;
};

export function createFrameTracker(): FrameTracker {
  let pending = Buffer.alloc(0);
  let isRefused = false;
  const state = (): FrameState => {
    if (isRefused) return { kind: "refused" };
    if (pending.length === 0) return { kind: "aligned" };
    if (pending.length < HEADER_BYTES) return { kind: "partial", missing: HEADER_BYTES - pending.length };
    return { kind: "partial", missing: pending.readInt32BE(1) + 1 - pending.length };
  };
  const feed = (chunk: Buffer) => {
    let frames = 0;
    pending = Buffer.concat([pending, chunk]);
    while (!isRefused && pending.length > 0) {
      if (!KNOWN_TYPES.has(pending[0] as number)) isRefused = true;
      else if (pending.length < HEADER_BYTES) break;
      else {
        const length = pending.readInt32BE(1);
        if (length < 4 || length > MAX_MESSAGE_BYTES) isRefused = true;
        else if (pending.length < length + 1) break;
        else {
          pending = pending.subarray(length + 1);
          frames += 1;
        }
      }
    }
    if (isRefused) pending = Buffer.alloc(0);
    return frames;
  };
  return { feed, state, isInHeader: () => pending.length > 0 && pending.length < HEADER_BYTES };
}

/**
 * The bytes that finish the message in progress, so the next sequence starts on a boundary: a
 * header completed with the smallest length its known bytes allow, then a body of zeros. Null when
 * the gateway has refused the stream or would wait for more than `limit` bytes (the fuzzer then
 * leaves that session rather than send megabytes of filler).
 */
export function realignFiller(tracker: FrameTracker, limit: number): Buffer | null {
  const parts: Buffer[] = [];
  let total = 0;
  for (;;) {
    const state = tracker.state();
    if (state.kind === "aligned") return Buffer.concat(parts);
    if (state.kind === "refused" || total + state.missing > limit) return null;
    const header = tracker.isInHeader();
    const part = Buffer.alloc(state.missing);
    if (header) part[part.length - 1] = 4;
    tracker.feed(part);
    parts.push(part);
    total += part.length;
  }
}
