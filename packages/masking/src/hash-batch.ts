import type { DeferredWrites, OutputBuffer } from "@sluice/wire/output-buffer";
import type { Hasher } from "./keyed-hash";

/** Jobs per native call at most: a read of the upstream rarely holds more rows than this. */
const MAX_JOBS = 1024;
/** The job triples are Int32: an offset past this is written at once instead. */
const MAX_OFFSET = 0x7fffffff;

/**
 * Keyed-hash placeholders owed to one output, written in one native call instead of one per
 * value: a streamed result hashes a value per row, and crossing into C costs as much as the hash.
 * The output's `take()` has the batch write what it owes (see OutputBuffer.defer), so no reserved
 * placeholder leaves unwritten. Jobs name offsets into one source and one output; a job from
 * another source, hasher or output first has the owed ones written.
 */
class HashBatch implements DeferredWrites {
  private readonly jobs = new Int32Array(3 * MAX_JOBS);
  private count = 0;
  private hasher: Hasher | null = null;
  /** The memory the jobs' values lie in: views of one read (a row each) share it. */
  private source: ArrayBufferLike | null = null;
  private target: OutputBuffer | null = null;

  /** Owes `out` the hex of `source[start..end]`'s MAC at `at`, room already reserved there. */
  add(hasher: Hasher, source: Uint8Array, start: number, end: number, out: OutputBuffer, at: number): void {
    // Checked here, against the view: the job's offsets are into the memory behind it.
    if (
      !(
        Number.isInteger(start) &&
        Number.isInteger(end) &&
        start >= 0 &&
        start <= end &&
        end <= source.length
      )
    ) {
      throw new RangeError("hash batch: range outside the value's array");
    }
    const base = source.byteOffset;
    if (base + end > MAX_OFFSET || at > MAX_OFFSET) {
      hasher.writeHex(source, start, end, out.bytes, at);
      return;
    }
    const memory = source.buffer;
    if (
      this.count > 0 &&
      (hasher !== this.hasher || memory !== this.source || out !== this.target || this.count === MAX_JOBS)
    ) {
      this.writeAll();
    }
    if (this.count === 0) {
      this.hasher = hasher;
      this.source = memory;
      this.target = out;
      out.defer(this);
    }
    const at3 = 3 * this.count;
    this.jobs[at3] = base + start;
    this.jobs[at3 + 1] = base + end;
    this.jobs[at3 + 2] = at;
    this.count += 1;
  }

  writeOwed(target: OutputBuffer): void {
    // Jobs for another output were written when that output's jobs began.
    if (target === this.target) this.writeAll();
  }

  private writeAll(): void {
    const { count, hasher, source, target } = this;
    this.count = 0;
    this.hasher = null;
    this.source = null;
    this.target = null;
    // The output's storage now, not when the jobs were added: it may have grown (and been copied) since.
    if (count > 0 && hasher && source && target) {
      hasher.writeHexMany(new Uint8Array(source), this.jobs, count, target.bytes);
    }
  }
}

/** One per process: masking a read runs to completion without yielding. */
export const hashBatch = new HashBatch();
