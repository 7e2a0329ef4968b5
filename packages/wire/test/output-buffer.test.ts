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
