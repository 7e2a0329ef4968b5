/** Ranges up to this many bytes are copied by a loop (see Output#range). */
const SMALL_COPY_BYTES = 128;

/**
 * What one `push` writes: copied into one buffer, grown as needed, so a chunk of thousands of small
 * values costs one allocation rather than a Buffer object per value and a concat at the end.
 */
export class Output {
  private buffer: Buffer;
  private length = 0;

  constructor(sizeHint: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(64, sizeHint));
  }

  range(source: Buffer, start: number, end: number): void {
    if (end <= start) return;
    this.reserve(end - start);
    if (end - start > SMALL_COPY_BYTES) {
      this.length += source.copy(this.buffer, this.length, start, end);
      return;
    }
    // Most ranges are structure (`","`) or a record's unmasked members between two replacements, a
    // few dozen bytes: a loop is cheaper than Buffer#copy's native call (~5% of the masker's CPU
    // on the bench's large response at 128 rather than 32).
    const buffer = this.buffer;
    let at = this.length;
    for (let i = start; i < end; i++) buffer[at++] = source[i] as number;
    this.length = at;
  }

  bytes(source: Buffer): void {
    this.range(source, 0, source.length);
  }

  text(text: string): void {
    // Replacements are short and mostly ASCII (placeholders, hashes, stars): copied by a loop,
    // which is cheaper than measuring and encoding them natively; other text is encoded as UTF-8.
    const length = text.length;
    this.reserve(length);
    const buffer = this.buffer;
    let at = this.length;
    for (let i = 0; i < length; i++) {
      const code = text.charCodeAt(i);
      if (code >= 0x80) {
        this.length = at;
        this.utf8(text.slice(i));
        return;
      }
      buffer[at++] = code;
    }
    this.length = at;
  }

  private utf8(text: string): void {
    this.reserve(Buffer.byteLength(text));
    this.length += this.buffer.write(text, this.length);
  }

  take(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}
