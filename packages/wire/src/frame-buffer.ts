import { CANCEL_REQUEST_CODE, GSSENC_REQUEST_CODE, MAX_STARTUP_BYTES, SSL_REQUEST_CODE } from "./limits";
import { WireError } from "./wire-error";

/** One whole message; `raw` is its exact bytes, so the proxy can relay it without re-encoding. */
export type Frame =
  | { kind: "untagged"; code: number; body: Buffer; raw: Buffer }
  | { kind: "tagged"; type: number; body: Buffer; raw: Buffer };

const UNTAGGED_REQUESTS = new Set([SSL_REQUEST_CODE, GSSENC_REQUEST_CODE, CANCEL_REQUEST_CODE]);

export type FrameMode = "startup" | "tagged";

export type FrameBufferOptions = {
  mode: FrameMode;
  maxMessageBytes: number;
  /**
   * Checked as soon as a type byte arrives, before waiting for the body, as PostgreSQL does: an
   * unknown type fails at once instead of waiting for a length it made up.
   */
  isKnownType?: (type: number) => boolean;
};

/**
 * The one framing buffer: accepts the TCP stream in chunks of any size and yields whole messages.
 * In "startup" mode messages are untagged (Int32 length, Int32 code: startup, SSLRequest,
 * GSSENCRequest, CancelRequest) and the buffer switches itself to "tagged" after a StartupMessage.
 * @see https://www.postgresql.org/docs/current/protocol-overview.html#PROTOCOL-MESSAGE-CONCEPTS
 */
export class FrameBuffer {
  private pending: Buffer = Buffer.alloc(0);
  private offset = 0;
  private mode: FrameMode;
  private consumed = 0;

  constructor(private readonly options: FrameBufferOptions) {
    this.mode = options.mode;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    const rest = this.pending.length - this.offset;
    // Appending to a drained buffer needs no copy: the common case of one message per chunk.
    this.pending = rest === 0 ? chunk : Buffer.concat([this.pending.subarray(this.offset), chunk]);
    this.offset = 0;
  }

  /** The next whole message, or null when more bytes are needed. */
  next(): Frame | null {
    return this.mode === "startup" ? this.nextUntagged() : this.nextTagged();
  }

  setMode(mode: FrameMode): void {
    this.mode = mode;
  }

  /** Bytes received but not yet returned as a message. */
  buffered(): number {
    return this.pending.length - this.offset;
  }

  /** Bytes returned as messages so far. */
  totalConsumed(): number {
    return this.consumed;
  }

  private nextUntagged(): Frame | null {
    if (this.buffered() < 4) return null;
    const length = this.pending.readInt32BE(this.offset);
    if (length < 8 || length > MAX_STARTUP_BYTES) {
      throw new WireError(`invalid length of startup packet (${length})`);
    }
    if (this.buffered() < length) return null;
    const raw = this.take(length);
    const code = raw.readInt32BE(4);
    // After a StartupMessage, every message carries a type byte; the special requests stay untagged.
    if (!UNTAGGED_REQUESTS.has(code)) this.mode = "tagged";
    return { kind: "untagged", code, body: raw.subarray(8), raw };
  }

  private nextTagged(): Frame | null {
    if (this.buffered() < 1) return null;
    const type = this.pending[this.offset] as number;
    if (this.options.isKnownType && !this.options.isKnownType(type)) {
      throw new WireError(`invalid frontend message type '${printable(type)}'`);
    }
    if (this.buffered() < 5) return null;
    const length = this.pending.readInt32BE(this.offset + 1);
    if (length < 4 || length > this.options.maxMessageBytes) {
      throw new WireError(`invalid message length ${length} for message type '${printable(type)}'`);
    }
    if (this.buffered() < length + 1) return null;
    const raw = this.take(length + 1);
    return { kind: "tagged", type, body: raw.subarray(5), raw };
  }

  private take(count: number): Buffer {
    const raw = this.pending.subarray(this.offset, this.offset + count);
    this.offset += count;
    this.consumed += count;
    if (this.offset === this.pending.length) {
      this.pending = Buffer.alloc(0);
      this.offset = 0;
    }
    return raw;
  }
}

export function printable(type: number): string {
  return type >= 0x20 && type < 0x7f ? String.fromCharCode(type) : `\\x${type.toString(16).padStart(2, "0")}`;
}
