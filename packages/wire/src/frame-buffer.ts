import { isClientMessageType } from "./client-codes";
import {
  CANCEL_REQUEST_CODE,
  GSSENC_REQUEST_CODE,
  MAX_MESSAGE_BYTES,
  MAX_PREAUTH_MESSAGE_BYTES,
  MAX_SERVER_MESSAGE_BYTES,
  MAX_STARTUP_BYTES,
  SSL_REQUEST_CODE,
  TAGGED_HEADER_BYTES,
} from "./limits";
import { printable } from "./printable";
import { WireError } from "./wire-error";

/**
 * One whole message. `raw` is its exact bytes, header included, so the proxy can relay it without
 * re-encoding; `body` is what follows the header. `raw.length` is what this message consumed.
 */
export type Frame =
  | { kind: "untagged"; code: number; body: Buffer; raw: Buffer }
  | { kind: "tagged"; type: number; readonly body: Buffer; raw: Buffer };

/**
 * A tagged Frame whose body view is made only when asked for: the client decoder reads `raw` past
 * its header in place, so a relayed message costs one view, not two.
 */
class TaggedFrame {
  readonly kind = "tagged";

  constructor(
    readonly type: number,
    readonly raw: Buffer,
  ) {}

  get body(): Buffer {
    return this.raw.subarray(TAGGED_HEADER_BYTES);
  }
}

export type FrameMode = "startup" | "tagged";

/**
 * A tagged message read in place (`FrameBuffer.nextInPlace`): `bytes[start..end]`, header
 * included. One object per buffer, rewritten by every call; its bytes stay valid after later calls
 * (they are never written over), the object itself does not.
 */
export type FrameView = { type: number; bytes: Buffer; start: number; end: number };

export type FrameBufferOptions = {
  mode: FrameMode;
  /** The largest Int32 length accepted: it counts itself but not the type byte, as PostgreSQL counts. */
  maxMessageBytes: number;
  /**
   * Checked as soon as a type byte arrives, before waiting for the body, as PostgreSQL does: an
   * unknown type fails at once instead of waiting for a length it made up.
   */
  isKnownType?: (type: number) => boolean;
};

/** The untagged requests after which the stream stays untagged; anything else is a StartupMessage. */
const UNTAGGED_REQUESTS: ReadonlySet<number> = new Set([
  SSL_REQUEST_CODE,
  GSSENC_REQUEST_CODE,
  CANCEL_REQUEST_CODE,
]);
/** Length word plus the protocol version or request code: the smallest untagged message. */
const UNTAGGED_HEADER_BYTES = 8;
/**
 * The least the buffer grows by when it must join chunks: headers split across packets would
 * otherwise cost one small allocation each.
 */
const MIN_GROWTH_BYTES = 16 * 1024;
const EMPTY = Buffer.alloc(0);

/**
 * The one framing buffer: accepts the TCP stream in chunks of any size and yields whole messages.
 * In "startup" mode messages are untagged (Int32 length, Int32 code: StartupMessage, SSLRequest,
 * GSSENCRequest, CancelRequest) and the buffer switches itself to "tagged" after a StartupMessage,
 * because every message after it carries a type byte. Create one per socket and direction.
 * @see https://www.postgresql.org/docs/current/protocol-overview.html#PROTOCOL-MESSAGE-CONCEPTS
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html
 */
export class FrameBuffer {
  private storage: Buffer = EMPTY;
  /**
   * A message that straddled two chunks, joined on its own and returned before `storage`: only that
   * message is copied, not the whole new chunk behind it (a streamed result straddles every chunk).
   */
  private joined: Buffer | null = null;
  private start = 0;
  private end = 0;
  /** Only storage this buffer allocated may be written into; a pushed chunk belongs to the caller. */
  private isOwned = false;
  private mode: FrameMode;
  private consumed = 0;

  private maxMessageBytes: number;
  private readonly view: FrameView = { type: 0, bytes: EMPTY, start: 0, end: 0 };

  constructor(private readonly options: FrameBufferOptions) {
    this.mode = options.mode;
    this.maxMessageBytes = options.maxMessageBytes;
  }

  /** Changes the cap, e.g. a small one until the client has authenticated. */
  setMaxMessageBytes(bytes: number): void {
    this.maxMessageBytes = bytes;
  }

  /**
   * Appends bytes. Storage grows by doubling, so a large message arriving in many small chunks costs
   * linear, not quadratic, copying. Bytes already returned in a Frame are never written over.
   */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.start === this.end) {
      // Nothing pending: keep the chunk itself, the common case of whole messages per chunk.
      this.storage = chunk;
      this.start = 0;
      this.end = chunk.length;
      this.isOwned = false;
      return;
    }
    const kept = this.end - this.start;
    const straddling = this.joined === null ? this.declaredBytes() : 0;
    if (straddling > kept && straddling - kept <= chunk.length) {
      const joined = Buffer.allocUnsafe(straddling);
      this.storage.copy(joined, 0, this.start, this.end);
      chunk.copy(joined, kept, 0, straddling - kept);
      this.joined = joined;
      this.storage = chunk;
      this.start = straddling - kept;
      this.end = chunk.length;
      this.isOwned = false;
      if (this.start === this.end) {
        this.storage = EMPTY;
        this.start = 0;
        this.end = 0;
      }
      return;
    }
    if (this.isOwned && this.storage.length - this.end >= chunk.length) {
      chunk.copy(this.storage, this.end);
      this.end += chunk.length;
      return;
    }
    const needed = kept + chunk.length;
    const doubled = Math.max(2 * needed, MIN_GROWTH_BYTES);
    // Double, but not past the size the pending message declares once it is partly here: a 64 MiB
    // message ends in 64 MiB of storage, not 128, and a declared length alone allocates nothing.
    const declared = this.declaredBytes();
    const capacity = declared >= needed ? Math.min(doubled, declared) : doubled;
    const grown = Buffer.allocUnsafe(capacity);
    this.storage.copy(grown, 0, this.start, this.end);
    chunk.copy(grown, kept);
    this.storage = grown;
    this.start = 0;
    this.end = needed;
    this.isOwned = true;
  }

  /**
   * The next whole message, or null when more bytes are needed.
   * @throws WireError (08P01) for a length below the header or above the cap, or an unknown type.
   */
  next(): Frame | null {
    if (this.joined) return this.nextJoined(this.joined);
    return this.mode === "startup" ? this.nextUntagged() : this.nextTagged();
  }

  /**
   * `next()` for a tagged stream without making a Frame or its two Buffer views: a streamed result
   * is a million messages, and those objects were a tenth of the cost of masking each row.
   * @throws WireError as `next()` does.
   */
  nextInPlace(): FrameView | null {
    if (this.mode !== "tagged") throw new Error("nextInPlace reads tagged messages only");
    const view = this.view;
    if (this.joined) {
      const frame = this.nextJoined(this.joined);
      if (!frame) return null;
      view.type = (frame as Extract<Frame, { kind: "tagged" }>).type;
      view.bytes = frame.raw;
      view.start = 0;
      view.end = frame.raw.length;
      return view;
    }
    const length = this.wholeTaggedLength();
    if (length < 0) return null;
    view.type = this.storage[this.start] as number;
    view.bytes = this.storage;
    view.start = this.start;
    view.end = this.start + length + 1;
    this.skip(length + 1);
    return view;
  }

  /**
   * `next()` for a tagged stream as the message's bytes alone, header included (its type is their
   * first byte): no Frame object. An authenticated client's Bind, Describe, Execute and Sync were
   * four Frames per prepared transaction, made only to be read once.
   * @throws WireError as `next()` does.
   */
  nextRaw(): Buffer | null {
    if (this.mode !== "tagged") throw new Error("nextRaw reads tagged messages only");
    if (this.joined) return this.nextJoined(this.joined)?.raw ?? null;
    const length = this.wholeTaggedLength();
    return length < 0 ? null : this.take(length + 1);
  }

  /** The joined message, read with the same checks, then back to the chunk behind it. */
  private nextJoined(joined: Buffer): Frame | null {
    const { storage, start, end, isOwned } = this;
    this.joined = null;
    this.storage = joined;
    this.start = 0;
    this.end = joined.length;
    try {
      return this.mode === "startup" ? this.nextUntagged() : this.nextTagged();
    } finally {
      this.storage = storage;
      this.start = start;
      this.end = end;
      this.isOwned = isOwned;
    }
  }

  setMode(mode: FrameMode): void {
    this.mode = mode;
  }

  getMode(): FrameMode {
    return this.mode;
  }

  /**
   * Bytes received but not yet returned as a message. Must be 0 when answering 'S' to an SSLRequest:
   * anything already buffered came in plaintext and would be read as if encrypted (CVE-2021-23214).
   */
  buffered(): number {
    return (this.joined?.length ?? 0) + this.end - this.start;
  }

  /** Bytes returned as messages so far. */
  totalConsumed(): number {
    return this.consumed;
  }

  private nextUntagged(): Frame | null {
    if (this.buffered() < 4) return null;
    const length = this.storage.readInt32BE(this.start);
    // PostgreSQL checks the length without its own length word against MAX_STARTUP_PACKET_LENGTH,
    // and only logs a bad one: the peer (a Terminate, TLS, HTTP, a port scan) is not a client.
    // @see https://github.com/postgres/postgres/blob/REL_18_STABLE/src/backend/tcop/backend_startup.c
    if (length < UNTAGGED_HEADER_BYTES || length - 4 > MAX_STARTUP_BYTES) {
      throw new WireError(`invalid length of startup packet (${length})`, "08P01", false);
    }
    if (this.buffered() < length) return null;
    const raw = this.take(length);
    const code = raw.readInt32BE(4);
    if (!UNTAGGED_REQUESTS.has(code)) this.mode = "tagged";
    return { kind: "untagged", code, body: raw.subarray(UNTAGGED_HEADER_BYTES), raw };
  }

  private nextTagged(): Frame | null {
    const length = this.wholeTaggedLength();
    if (length < 0) return null;
    const type = this.storage[this.start] as number;
    const raw = this.take(length + 1);
    return new TaggedFrame(type, raw);
  }

  /**
   * The length word of the tagged message at `start` once all of it is here, else -1.
   * @throws WireError for an unknown type (as soon as it arrives) or a length out of range.
   */
  private wholeTaggedLength(): number {
    if (this.buffered() < 1) return -1;
    const type = this.storage[this.start] as number;
    if (this.options.isKnownType && !this.options.isKnownType(type)) {
      throw new WireError(`invalid frontend message type '${printable(type)}'`);
    }
    if (this.buffered() < TAGGED_HEADER_BYTES) return -1;
    // The length counts itself but not the type byte.
    const length = this.storage.readInt32BE(this.start + 1);
    if (length < 4 || length > this.maxMessageBytes) {
      throw new WireError(`invalid message length ${length} for message type '${printable(type)}'`);
    }
    return this.buffered() < length + 1 ? -1 : length;
  }

  /** The full size of the pending tagged message once its header is in and valid, else 0. */
  private declaredBytes(): number {
    if (this.mode !== "tagged" || this.end - this.start < TAGGED_HEADER_BYTES) return 0;
    const length = this.storage.readInt32BE(this.start + 1);
    return length >= 4 && length <= this.maxMessageBytes ? length + 1 : 0;
  }

  private take(count: number): Buffer {
    const raw = this.storage.subarray(this.start, this.start + count);
    this.skip(count);
    return raw;
  }

  /** Consumes `count` bytes already looked at. */
  private skip(count: number): void {
    this.start += count;
    this.consumed += count;
    if (this.start === this.end) {
      // Drop the reference so a drained buffer does not pin memory; `raw` keeps what it needs.
      this.storage = EMPTY;
      this.start = 0;
      this.end = 0;
      this.isOwned = false;
    }
  }
}

/**
 * Client → gateway: starts untagged, refuses unknown types at once, caps at MAX_PREAUTH_MESSAGE_BYTES
 * until `admitAuthenticated` raises the cap to MAX_MESSAGE_BYTES. The gateway's own buffer.
 */
export function createClientFrameBuffer(): FrameBuffer {
  return new FrameBuffer({
    mode: "startup",
    maxMessageBytes: MAX_PREAUTH_MESSAGE_BYTES,
    isKnownType: isClientMessageType,
  });
}

/** Once the client has authenticated it may send statements and values up to MAX_MESSAGE_BYTES. */
export function admitAuthenticated(frames: FrameBuffer): void {
  frames.setMaxMessageBytes(MAX_MESSAGE_BYTES);
}

/** Upstream → gateway: always tagged, capped only by what PostgreSQL itself can send. */
export function createServerFrameBuffer(): FrameBuffer {
  return new FrameBuffer({ mode: "tagged", maxMessageBytes: MAX_SERVER_MESSAGE_BYTES });
}
