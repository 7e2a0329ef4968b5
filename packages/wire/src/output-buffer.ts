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

const EMPTY = Buffer.alloc(0);

export class OutputBuffer {
  private storage: Buffer;
  private length = 0;
  private owed: DeferredWrites | null = null;
  /** False only in view mode (`viewFirst`), before anything was copied. */
  private isMaterialized: boolean;
  /**
   * View mode: what was appended so far, one run of consecutive bytes of one piece of memory (the
   * upstream read's own messages, passed on unchanged), kept as `viewMemory[viewOffset..+viewLength]`
   * and not yet copied.
   */
  private viewMemory: ArrayBufferLike | null = null;
  private viewOffset = 0;
  private viewLength = 0;
  /**
   * View mode: the buffer the view's first bytes were appended from. When the view ends up being
   * exactly its bytes (a whole upstream read passed on unchanged), `take()` hands over that buffer
   * itself: the same bytes in the same memory, without a new view of them.
   */
  private viewSource: Uint8Array | null = null;

  constructor(
    private readonly capacity: number,
    isViewFirst = false,
  ) {
    this.isMaterialized = !isViewFirst;
    this.storage = isViewFirst ? EMPTY : Buffer.allocUnsafe(Math.max(capacity, 64));
  }

  /**
   * An output that copies nothing while each append continues the bytes appended before it in the
   * same memory: `take()` then hands over a view of that memory, as a relay that changed nothing
   * writes the read itself. The first other write copies the run into storage of its own and goes
   * on as an ordinary OutputBuffer. Only for appended bytes that are never changed afterwards.
   */
  static viewFirst(capacity: number): OutputBuffer {
    return new OutputBuffer(capacity, true);
  }

  /** Leaves view mode: the run so far is copied into storage of its own. */
  private materialize(): void {
    if (this.isMaterialized) return;
    this.isMaterialized = true;
    const length = this.viewLength;
    this.storage = Buffer.allocUnsafe(Math.max(this.capacity, length, 64));
    if (this.viewMemory) this.storage.set(new Uint8Array(this.viewMemory, this.viewOffset, length), 0);
    this.length = length;
    this.viewMemory = null;
    this.viewSource = null;
  }

  /** View mode: `memory[offset..offset+length]` becomes part of the view when it continues it. */
  private extendsView(source: Uint8Array, offset: number, length: number): boolean {
    if (this.isMaterialized) return false;
    const memory = source.buffer;
    if (!this.viewMemory) {
      this.viewMemory = memory;
      this.viewOffset = offset;
      this.viewLength = length;
      this.viewSource = source;
      return true;
    }
    if (this.viewMemory !== memory || this.viewOffset + this.viewLength !== offset) return false;
    this.viewLength += length;
    return true;
  }

  /** Makes room for `bytes` more and returns the offset to write them at, in `this.bytes`. */
  reserve(bytes: number): number {
    this.materialize();
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
    this.materialize();
    const needed = this.length + bytes;
    if (needed <= this.storage.length) return;
    const grown = Buffer.allocUnsafe(Math.max(needed, 2 * this.storage.length));
    this.storage.copy(grown, 0, 0, this.length);
    this.storage = grown;
  }

  /** Claims what was written past `size`, up to `end` (within the storage). */
  commit(end: number): void {
    this.materialize();
    if (!(Number.isInteger(end) && end >= this.length && end <= this.storage.length)) {
      throw new RangeError(`output buffer: cannot commit to ${end}`);
    }
    this.length = end;
  }

  /** The storage to write reserved bytes into; valid until the next `reserve`. */
  get bytes(): Buffer {
    this.materialize();
    return this.storage;
  }

  append(chunk: Uint8Array): void {
    if (chunk.length === 0 || this.extendsView(chunk, chunk.byteOffset, chunk.length)) return;
    const at = this.reserve(chunk.length);
    this.storage.set(chunk, at);
  }

  /** Appends `from[start..end]`. */
  appendRange(from: Buffer, start: number, end: number): void {
    if (end <= start || this.extendsView(from, from.byteOffset + start, end - start)) return;
    const at = this.reserve(end - start);
    from.copy(this.storage, at, start, end);
  }

  get size(): number {
    return this.isMaterialized ? this.length : this.viewLength;
  }

  /**
   * Registers a writer that owes bytes into room already reserved here; `take()` has it write them
   * first, so no reserved byte leaves unwritten (the storage is not zeroed: it could hold anything).
   */
  defer(writes: DeferredWrites): void {
    this.materialize();
    if (this.owed && this.owed !== writes) this.owed.writeOwed(this);
    this.owed = writes;
  }

  /** What was written, as one buffer, deferred writes done. */
  take(): Buffer {
    if (!this.isMaterialized) {
      const memory = this.viewMemory;
      if (!memory) return EMPTY;
      const source = this.viewSource;
      if (
        Buffer.isBuffer(source) &&
        source.byteOffset === this.viewOffset &&
        source.length === this.viewLength &&
        source.buffer === memory
      )
        return source;
      return Buffer.from(memory, this.viewOffset, this.viewLength);
    }
    const owed = this.owed;
    this.owed = null;
    owed?.writeOwed(this);
    return this.storage.subarray(0, this.length);
  }
}
