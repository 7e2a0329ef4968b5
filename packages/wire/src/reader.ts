import type { NameMemo } from "./name-memo";
import { nulAt } from "./nul-scan";
import { decodeUtf8Strict } from "./strict-utf8";
import { WireError } from "./wire-error";

/**
 * A bounds-checked cursor over one message body: truncation, a missing terminator or trailing bytes
 * are protocol violations (08P01), never a RangeError or a silently shortened value.
 */
export class Reader {
  private offset: number;

  /**
   * @param isStrictText strings must be valid UTF-8 (22021 otherwise), as the server requires of
   *   every string a client sends in a UTF8 session: the gateway must read the bytes as the server
   *   will, so bytes that are not UTF-8 are refused, never replaced. Only the server's own
   *   messages are read leniently.
   * @param start where the body starts in `body`: a whole message can be read past its header in
   *   place, without a view of its body.
   */
  constructor(
    private readonly body: Buffer,
    private readonly what: string,
    private readonly isStrictText = true,
    start = 0,
  ) {
    this.offset = start;
  }

  /** The bytes read, to read a value in place where `skip` said it starts. */
  get source(): Buffer {
    return this.body;
  }

  /** Where the next field starts in `source`. */
  get position(): number {
    return this.offset;
  }

  int16(): number {
    this.need(2);
    const value = this.body.readInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  int32(): number {
    this.need(4);
    const value = this.body.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  /** An object identifier: the protocol sends it as Int32, but OIDs are unsigned. */
  oid(): number {
    this.need(4);
    const value = this.body.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  byte(): number {
    this.need(1);
    return this.body[this.offset++] as number;
  }

  bytes(count: number): Buffer {
    if (count < 0) throw new WireError(`negative length in ${this.what} message`);
    this.need(count);
    const value = this.body.subarray(this.offset, this.offset + count);
    this.offset += count;
    return value;
  }

  /**
   * Steps over `count` bytes (a value the caller reads in place, if at all) and returns where they
   * start: `bytes` without the view.
   */
  skip(count: number): number {
    if (count < 0) throw new WireError(`negative length in ${this.what} message`);
    this.need(count);
    const start = this.offset;
    this.offset += count;
    return start;
  }

  /** A NUL-terminated UTF-8 string. */
  cstring(): string {
    const end = nulAt(this.body, this.offset);
    if (end < 0) throw new WireError(`missing string terminator in ${this.what} message`);
    // The unnamed portal and statement, in nearly every extended-protocol message.
    const value =
      end === this.offset
        ? ""
        : this.isStrictText
          ? decodeUtf8Strict(this.body, this.offset, end)
          : this.body.toString("utf8", this.offset, end);
    this.offset = end + 1;
    return value;
  }

  /**
   * A NUL-terminated name (a portal's, a statement's), as `cstring` reads it, through `names`: a
   * name the connection sent before is its kept text (the same string, not a new one).
   */
  name(names: NameMemo | undefined): string {
    if (!names) return this.cstring();
    const start = this.offset;
    const end = nulAt(this.body, start);
    if (end <= start) return this.cstring();
    const kept = names.find(this.body, start, end);
    if (kept !== null) {
      this.offset = end + 1;
      return kept;
    }
    // Decoded (and so checked) as any string is; only then kept.
    const value = this.cstring();
    names.keep(this.body, start, end, value);
    return value;
  }

  /**
   * An Int16 element count, read unsigned as PostgreSQL reads it (libpq sends up to 65535
   * parameters, which a signed read would call negative), and no larger than the bytes left could
   * hold at `bytesEach` bytes per element — so a lying count fails before anything is allocated.
   */
  count(bytesEach: number): number {
    this.need(2);
    const value = this.body.readUInt16BE(this.offset);
    this.offset += 2;
    if (value * bytesEach > this.remaining()) throw new WireError(`invalid count in ${this.what} message`);
    return value;
  }

  remaining(): number {
    return this.body.length - this.offset;
  }

  rest(): Buffer {
    return this.bytes(this.remaining());
  }

  /** Every message must be consumed exactly; trailing bytes mean the sender and we disagree. */
  end(): void {
    if (this.remaining() !== 0)
      throw new WireError(
        `invalid message format: ${this.remaining()} trailing bytes in ${this.what} message`,
      );
  }

  private need(count: number): void {
    if (this.offset + count > this.body.length) throw new WireError(`truncated ${this.what} message`);
  }
}
