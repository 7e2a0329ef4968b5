import { nulAt } from "@sluice/wire/nul-scan";
import { describe, expect, it } from "vitest";

describe("nulAt", () => {
  it("finds the first NUL at or after the offset, on both sides of the scanned prefix", () => {
    for (const length of [0, 1, 63, 64, 65, 200]) {
      for (const at of [0, 1, 62, 63, 64, 65, 130, 199]) {
        if (at >= length) continue;
        const bytes = Buffer.alloc(length, 0x61);
        bytes[at] = 0;
        if (at + 3 < length) bytes[at + 3] = 0;
        for (const from of [0, at, Math.max(0, at - 1)])
          expect(nulAt(bytes, from)).toBe(bytes.indexOf(0, from));
        expect(nulAt(bytes, at + 1)).toBe(bytes.indexOf(0, at + 1));
      }
    }
  });

  it("answers -1 when no NUL follows, whatever the length", () => {
    for (const length of [0, 5, 64, 65, 300]) {
      const bytes = Buffer.alloc(length, 0x62);
      expect(nulAt(bytes, 0)).toBe(-1);
      expect(nulAt(bytes, length)).toBe(-1);
    }
  });
});
