/** Bytes are written into blocks of this size, outside the JavaScript heap. */
const BLOCK_BYTES = 64 * 1024;

/**
 * Append-only bytes in 64 KiB blocks off the JavaScript heap, for what a recording holds between
 * drains: a busy session writes tens of thousands of small pieces a second, which as strings or
 * objects would all outlive a young-generation collection and be copied into the old one.
 * Subclasses write at `block[used..]` after `reserve`.
 */
export class OffHeapBlocks {
  private blocks: Buffer[] = [];
  private total = 0;
  protected block: Buffer = Buffer.allocUnsafe(0);
  protected used = 0;

  /** Bytes written since the last take. */
  get bytes(): number {
    return this.total + this.used;
  }

  /** Makes room for `bytes` more at `block[used..]`. */
  protected reserve(bytes: number): void {
    if (this.used + bytes <= this.block.length) return;
    if (this.used > 0) this.blocks.push(this.block.subarray(0, this.used));
    this.total += this.used;
    this.block = Buffer.allocUnsafe(Math.max(BLOCK_BYTES, bytes));
    this.used = 0;
  }

  /** Everything written since the last take, in order, as filled blocks; starts over. */
  protected takeBlocks(): Buffer[] {
    if (this.used > 0) this.blocks.push(this.block.subarray(0, this.used));
    const blocks = this.blocks;
    this.blocks = [];
    this.block = Buffer.allocUnsafe(0);
    this.used = 0;
    this.total = 0;
    return blocks;
  }
}
