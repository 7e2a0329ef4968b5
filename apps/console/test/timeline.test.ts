import { describe, expect, it } from "vitest";
import { IDLE_LIMIT_MS, plainText, toTimeline } from "../src/app/(console)/sessions/[id]/timeline";

describe("replay timeline", () => {
  it("keeps recorded gaps but caps idle stretches", () => {
    const timeline = toTimeline([
      { t: 1000, text: "a" },
      { t: 1500, text: "b" },
      { t: 61_500, text: "c" },
      { t: 61_600, text: "d" },
    ]);
    expect(timeline.map((frame) => frame.at)).toEqual([0, 500, 500 + IDLE_LIMIT_MS, 600 + IDLE_LIMIT_MS]);
  });

  it("searches text without colour codes", () => {
    expect(plainText("\x1b[31mERROR:  blocked\x1b[0m")).toBe("ERROR:  blocked");
  });
});
