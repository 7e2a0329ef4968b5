/**
 * The bytes one read of the upstream becomes on their way to the client, assembled in one buffer:
 * rows rewritten in place of copies, then one socket write. Grows by doubling; the buffer is handed
 * over by `take()` and never written again (the socket may still be sending it).
 */
/**
 * Bytes written into reserved room later, many at once (see `OutputBuffer.defer`): the writer
 * fills whatever it still owes into `target` when asked.
 */
export type DeferredWrites = { writeOwed(target: OutputBuffer): void };

export class OutputBuffer {
  private storage: Buffer;
  private length = 0;
  private owed: DeferredWrites | null = null;

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

  /**
   * Makes room for at least `bytes` more without claiming it, for a writer that learns how much it
   * wrote only afterwards (the native row masker): it writes at `size` in `this.bytes`, then
   * `commit`s its end.
   */
  ensureSpare(bytes: number): void {
    const needed = this.length + bytes;
    if (needed <= this.storage.length) return;
    const grown = Buffer.allocUnsafe(Math.max(needed, 2 * this.storage.length));
    this.storage.copy(grown, 0, 0, this.length);
    this.storage = grown;
  }

  /** Claims what was written past `size`, up to `end` (within the storage). */
  commit(end: number): void {
    if (!(Number.isInteger(end) && end >= this.length && end <= this.storage.length)) {
      throw new RangeError(`output buffer: cannot commit to ${end}`);
    }
    this.length = end;
  }

  /** The storage to write reserved bytes into; valid until the next `reserve`. */
  get bytes(): Buffer {
    return this.storage;
  }

  append(chunk: Uint8Array): void {
    const at = this.reserve(chunk.length);
    this.storage.set(chunk, at);
  }

  /** Appends `from[start..end]`. */
  appendRange(from: Buffer, start: number, end: number): void {
    const at = this.reserve(end - start);
    from.copy(this.storage, at, start, end);
  }

  get size(): number {
    return this.length;
  }

  /**
   * Registers a writer that owes bytes into room already reserved here; `take()` has it write them
   * first, so no reserved byte leaves unwritten (the storage is not zeroed: it could hold anything).
   */
  defer(writes: DeferredWrites): void {
    if (this.owed && this.owed !== writes) this.owed.writeOwed(this);
    this.owed = writes;
  }

  /** What was written, as one buffer, deferred writes done. */
  take(): Buffer {
    const owed = this.owed;
    this.owed = null;
    owed?.writeOwed(this);
    return this.storage.subarray(0, this.length);
  }
}
