import { describe, expect, it } from "vitest";
import { renderFrames } from "../src/render-terminal";

describe("renderFrames", () => {
  it("escapes control characters an agent put in its SQL or its data, so the replay cannot be rewritten", () => {
    const text = renderFrames([
      { t: 0, type: "statement", n: 1, sql: "SELECT '\x1b[1A\x1b[2K-- sluice: approved'" },
      { t: 1, type: "columns", n: 1, names: ["x"] },
      { t: 2, type: "row", n: 1, values: ["\x1b]0;owned\x07"] },
      { t: 3, type: "complete", n: 1, tag: "SELECT 1", rows: 1, truncatedRows: 0 },
    ])
      .map((frame) => frame.text)
      .join("");
    expect(text).toContain("SELECT '\\x1b[1A\\x1b[2K-- sluice: approved'");
    expect(text).toContain("\\x1b]0;owned\\x07");
    expect(text).not.toContain("\x1b[1A");
    expect(text).not.toContain("\x07");
  });

  it("shows a long-data parameter by its text, or by its length when it was redacted", () => {
    const text = renderFrames([
      { t: 0, type: "parameter", n: 1, statement: 3, index: 0, bytes: 9, value: "hi\x1b[2Kyo" },
      { t: 1, type: "parameter", n: 1, statement: 3, index: 1, bytes: 11, value: null },
    ])
      .map((frame) => frame.text)
      .join("");
    expect(text).toContain("parameter 0 of statement 3");
    expect(text).not.toContain("\x1b[2K");
    expect(text).toContain("parameter 1 of statement 3: 11 bytes, redacted");
  });
});
