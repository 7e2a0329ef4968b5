import { OutputBuffer } from "@sluice/wire/output-buffer";
import { describe, expect, it } from "vitest";

describe("OutputBuffer, written past its size and then committed", () => {
  it("keeps what was written when it grows, and claims only up to the commit", () => {
    const out = new OutputBuffer(64);
    out.append(Buffer.from("head"));
    out.ensureSpare(1000);
    expect(out.bytes.length).toBeGreaterThanOrEqual(1004);
    out.bytes.write("tail", out.size);
    out.commit(out.size + 4);
    expect(out.take().toString()).toBe("headtail");
  });

  it("refuses a commit behind its size or past its storage", () => {
    const out = new OutputBuffer(64);
    out.append(Buffer.from("head"));
    expect(() => out.commit(3)).toThrow(RangeError);
    expect(() => out.commit(out.bytes.length + 1)).toThrow(RangeError);
    expect(() => out.commit(4.5)).toThrow(RangeError);
    out.commit(4);
    expect(out.take().toString()).toBe("head");
  });
});

describe("OutputBuffer.viewFirst", () => {
  // A read of its own memory, as a socket's (not a slice of Node's shared pool).
  const read = () => {
    const chunk = Buffer.alloc(16);
    chunk.write("0123456789abcdef");
    return chunk;
  };

  it("hands over the appended run as a view of its own memory, copying nothing", () => {
    const chunk = read();
    const out = OutputBuffer.viewFirst(64);
    out.append(chunk.subarray(2, 5));
    out.appendRange(chunk, 5, 9);
    out.append(chunk.subarray(9, 9));
    expect(out.size).toBe(7);
    const taken = out.take();
    expect(taken.toString()).toBe("2345678");
    expect(taken.buffer).toBe(chunk.buffer);
    expect(taken.byteOffset).toBe(chunk.byteOffset + 2);
  });

  it("hands over the read itself when the run is all of it, and a view when it is a part", () => {
    const chunk = read();
    const whole = OutputBuffer.viewFirst(64);
    whole.appendRange(chunk, 0, 6);
    whole.appendRange(chunk, 6, 16);
    expect(whole.take()).toBe(chunk);
    // All of the read's memory, but the first bytes came from another Buffer over it: still right.
    const neighbour = OutputBuffer.viewFirst(64);
    neighbour.append(chunk.subarray(0, 6));
    neighbour.appendRange(chunk, 6, 16);
    const taken = neighbour.take();
    expect(taken.toString()).toBe("0123456789abcdef");
    expect(taken.buffer).toBe(chunk.buffer);
    for (const [start, end] of [
      [0, 15],
      [1, 16],
    ] as const) {
      const part = OutputBuffer.viewFirst(64);
      part.appendRange(chunk, start, end);
      const view = part.take();
      expect(view).not.toBe(chunk);
      expect(view.toString()).toBe("0123456789abcdef".slice(start, end));
    }
    // A plain Uint8Array is never handed over as the Buffer the caller expects.
    const plain = new Uint8Array(chunk.buffer, chunk.byteOffset, 16);
    const fromPlain = OutputBuffer.viewFirst(64);
    fromPlain.append(plain);
    expect(Buffer.isBuffer(fromPlain.take())).toBe(true);
  });

  it("copies the run once something else comes, keeping the order", () => {
    for (const other of [
      (out: OutputBuffer) => out.append(Buffer.from("XY")),
      // Bytes of the same memory that do not follow the run.
      (out: OutputBuffer, chunk: Buffer) => out.append(chunk.subarray(12, 14)),
      (out: OutputBuffer, chunk: Buffer) => out.appendRange(chunk, 1, 3),
    ]) {
      const chunk = read();
      const out = OutputBuffer.viewFirst(4);
      out.appendRange(chunk, 4, 8);
      other(out, chunk);
      out.append(chunk.subarray(8, 10));
      const taken = out.take();
      const expected = taken.toString();
      expect(expected).toMatch(/^4567(XY|cd|12)89$/);
      // A copy: the read's memory is not what the output holds.
      chunk.fill(0);
      expect(taken.toString()).toBe(expected);
    }
  });

  it("copies the run before room is reserved or written by a deferred writer", () => {
    const chunk = read();
    const out = OutputBuffer.viewFirst(4);
    out.append(chunk.subarray(0, 3));
    const at = out.reserve(2);
    out.bytes.write("!?", at);
    out.defer({ writeOwed: (target) => target.append(Buffer.from("+")) });
    expect(out.take().toString()).toBe("012!?+");

    const spare = OutputBuffer.viewFirst(4);
    spare.append(chunk.subarray(0, 2));
    spare.ensureSpare(3);
    spare.bytes.write("zz", spare.size);
    spare.commit(spare.size + 2);
    expect(spare.take().toString()).toBe("01zz");
  });

  it("is empty when nothing was appended", () => {
    expect(OutputBuffer.viewFirst(8).take().length).toBe(0);
    expect(OutputBuffer.viewFirst(8).size).toBe(0);
  });
});
