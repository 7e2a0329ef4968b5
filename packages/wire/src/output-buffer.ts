/**
 * The bytes one read of the upstream becomes on their way to the client, assembled in one buffer:
 * rows rewritten in place of copies, then one socket write. Grows by doubling; the buffer is handed
 * over by `take()` and never written again (the socket may still be sending it).
 */
export class OutputBuffer {
  private storage: Buffer;
  private length = 0;

  constructor(capacity: number) {
    this.storage = Buffer.allocUnsafe(Math.max(capacity, 64));
  }

  /** Makes room for `bytes` more and returns the offset to write them at, in `this.bytes`. */
  reserve(bytes: number): number {
    const at = this.length;
    const needed = at + bytes;
    if (needed > this.storage.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, 2 * this.storage.length));
      this.storage.copy(grown, 0, 0, at);
      this.storage = grown;
    }
    this.length = needed;
    return at;
  }

  /** The storage to write reserved bytes into; valid until the next `reserve`. */
  get bytes(): Buffer {
    return this.storage;
  }

  append(chunk: Uint8Array): void {
    const at = this.reserve(chunk.length);
    this.storage.set(chunk, at);
  }

  get size(): number {
    return this.length;
  }

  /** What was written, as one buffer. */
  take(): Buffer {
    return this.storage.subarray(0, this.length);
  }
}
