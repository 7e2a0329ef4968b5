import { OffHeapBlocks } from "./off-heap-blocks";

/** kind (1 byte), t (8 bytes, ms as a double), payload length (4 bytes). */
const HEADER_BYTES = 13;

/**
 * Text whose JSON string is itself between two quotes: printable ASCII other than `"` and `\`. Any
 * other character (a control character, a quote, a backslash, anything above U+007E) takes
 * JSON.stringify.
 */
const NEEDS_JSON_ESCAPE = /[^\x20\x21\x23-\x5b\x5d-\x7e]/;
const QUOTE = 0x22;

/**
 * Node's own Latin-1 and UTF-8 writers, which every Buffer has (Buffer#write calls them after
 * normalizing its arguments and looking the encoding up, which cost as much again as the copy for a
 * short line). Unchecked: the caller has reserved the room.
 */
type DirectWritable = Buffer & {
  latin1Write(text: string, offset: number): number;
  utf8Write(text: string, offset: number): number;
};

/** What an entry holds. */
export const LINE = 1;
export const STATEMENT = 2;
export const CLIENT_BYTES = 3;
export const DROPPED_ROWS = 4;
export type EntryKind = typeof LINE | typeof STATEMENT | typeof CLIENT_BYTES | typeof DROPPED_ROWS;

/**
 * A session's recording as it happens, before it becomes events: the bytes written to the client
 * are copied here as they are (one copy per write), and turned into events once a second, in bulk,
 * where a tight loop over warm data does per row what the hot path could only do between socket
 * calls. Lines that are events already (statements, verdicts) are kept as their UTF-8 bytes.
 */
export class WireLog extends OffHeapBlocks {
  /** An event line (UTF-8, no newline); STATEMENT also starts a new statement. */
  text(kind: typeof LINE | typeof STATEMENT, t: number, line: string): void {
    this.reserve(HEADER_BYTES + line.length * 3);
    const length = (this.block as DirectWritable).utf8Write(line, this.used + HEADER_BYTES);
    this.header(kind, t, length);
    this.used += length;
  }

  /**
   * The event line `head` + `text` as a JSON string + `tail` (`head` and `tail` ASCII), the same
   * bytes as `text` of the joined line. Text that needs no escaping, as most statements are, is
   * copied between its quotes as Latin-1, which for ASCII is its UTF-8: JSON.stringify's call into
   * the runtime, the joined string and its encoding were most of a statement line's cost.
   */
  textWithString(
    kind: typeof LINE | typeof STATEMENT,
    t: number,
    head: string,
    text: string,
    tail: string,
  ): void {
    if (NEEDS_JSON_ESCAPE.test(text)) {
      this.text(kind, t, head + JSON.stringify(text) + tail);
      return;
    }
    this.reserve(HEADER_BYTES + head.length + text.length + tail.length + 2);
    const block = this.block as DirectWritable;
    const start = this.used + HEADER_BYTES;
    let at = start + block.latin1Write(head, start);
    block[at++] = QUOTE;
    at += block.latin1Write(text, at);
    block[at++] = QUOTE;
    at += block.latin1Write(tail, at);
    this.header(kind, t, at - start);
    this.used = at;
  }

  /** `bytes[start..end]`: whole protocol messages, as the client received them. */
  clientBytes(t: number, bytes: Uint8Array, start: number, end: number): void {
    this.reserve(HEADER_BYTES + end - start);
    this.header(CLIENT_BYTES, t, end - start);
    this.block.set(bytes.subarray(start, end), this.used);
    this.used += end - start;
  }

  /** Rows counted but not kept (pending memory was full). */
  droppedRows(t: number, count: number): void {
    this.reserve(HEADER_BYTES);
    this.header(DROPPED_ROWS, t, count);
  }

  /**
   * Calls `visit` for every entry since the last call, oldest first, then starts over. An entry's
   * payload is `bytes[start..end]`; for DROPPED_ROWS, `start` is the count instead.
   */
  take(visit: (kind: EntryKind, t: number, bytes: Buffer, start: number, end: number) => void): void {
    const blocks = this.takeBlocks();
    for (const block of blocks) {
      for (let at = 0; at < block.length; ) {
        const kind = block[at] as EntryKind;
        const t = block.readDoubleBE(at + 1);
        const length = block.readUInt32BE(at + 9);
        if (kind === DROPPED_ROWS) {
          visit(kind, t, block, length, length);
          at += HEADER_BYTES;
          continue;
        }
        visit(kind, t, block, at + HEADER_BYTES, at + HEADER_BYTES + length);
        at += HEADER_BYTES + length;
      }
    }
  }

  private header(kind: EntryKind, t: number, length: number): void {
    this.block[this.used] = kind;
    this.block.writeDoubleBE(t, this.used + 1);
    this.block.writeUInt32BE(length, this.used + 9);
    this.used += HEADER_BYTES;
  }
}
