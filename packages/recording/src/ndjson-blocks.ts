import { isUtf8 } from "node:buffer";
import { OffHeapBlocks } from "./off-heap-blocks";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const HEX = "0123456789abcdef";

/**
 * NDJSON written as bytes off the JavaScript heap; the hot lines (rows, completions, readiness)
 * are written straight from the wire bytes, without a string or an object per line.
 */
export class NdjsonBlocks extends OffHeapBlocks {
  private count = 0;

  get lines(): number {
    return this.count;
  }

  /** A whole line given as text (without the newline). */
  line(text: string): void {
    // At most 3 bytes per UTF-16 unit: room for the line without measuring it first.
    this.reserve(text.length * 3 + 1);
    this.used += this.block.write(text, this.used, "utf8");
    this.block[this.used++] = 0x0a;
    this.count += 1;
  }

  /** A whole line given as its UTF-8 bytes (without the newline). */
  lineBytes(bytes: Uint8Array, start: number, end: number): void {
    this.reserve(end - start + 1);
    this.block.set(bytes.subarray(start, end), this.used);
    this.used += end - start;
    this.block[this.used++] = 0x0a;
    this.count += 1;
  }

  /** JSON already encoded as UTF-8 bytes, as part of a line. */
  json(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.block.set(bytes, this.used);
    this.used += bytes.length;
  }

  /** ASCII text that needs no escaping (keys, punctuation), as part of a line. */
  ascii(text: string): void {
    this.reserve(text.length);
    for (let i = 0; i < text.length; i++) this.block[this.used++] = text.charCodeAt(i);
  }

  /** A non-negative integer, as part of a line. */
  int(value: number): void {
    this.ascii(String(value));
  }

  /**
   * `bytes[start..end]` (UTF-8) as a JSON string literal. Bytes that need no escaping are copied
   * as they are; a value holding a quote, a backslash or a control character is escaped byte by byte.
   */
  jsonString(bytes: Uint8Array, start: number, end: number): void {
    this.reserve((end - start) * 6 + 2);
    const block = this.block;
    const from = this.used;
    let at = from;
    let hasHighBytes = false;
    block[at++] = QUOTE;
    for (let i = start; i < end; i++) {
      const byte = bytes[i] as number;
      if (byte >= 0x20 && byte !== QUOTE && byte !== BACKSLASH) {
        block[at++] = byte;
        if (byte >= 0x80) hasHighBytes = true;
      } else if (byte === QUOTE || byte === BACKSLASH) {
        block[at++] = BACKSLASH;
        block[at++] = byte;
      } else {
        // \u00XX for control characters, as JSON.stringify writes them (short forms aside).
        block[at++] = BACKSLASH;
        block[at++] = 0x75;
        block[at++] = 0x30;
        block[at++] = 0x30;
        block[at++] = HEX.charCodeAt(byte >> 4);
        block[at++] = HEX.charCodeAt(byte & 0x0f);
      }
    }
    block[at++] = QUOTE;
    this.used = at;
    if (hasHighBytes && !isUtf8(bytes.subarray(start, end))) {
      // Not UTF-8 (another client encoding): as the text decoder reads it, U+FFFD for what is not.
      this.used = from;
      const text = JSON.stringify(
        Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString("utf8"),
      );
      this.reserve(text.length * 3);
      this.used += this.block.write(text, this.used, "utf8");
    }
  }

  /** Ends the line being written piece by piece. */
  endLine(): void {
    this.reserve(1);
    this.block[this.used++] = 0x0a;
    this.count += 1;
  }

  /** Everything written since the last take, and how many lines; starts over. */
  take(): { bytes: Buffer; lines: number } {
    const blocks = this.takeBlocks();
    const lines = this.count;
    this.count = 0;
    return { bytes: blocks.length === 1 ? (blocks[0] as Buffer) : Buffer.concat(blocks), lines };
  }
}
