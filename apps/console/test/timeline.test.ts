import { describe, expect, it } from "vitest";
import {
  frameAt,
  IDLE_LIMIT_MS,
  plainText,
  toTimeline,
  wallClock,
} from "../src/app/(console)/sessions/[id]/timeline";

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

  it("plays idle time as recorded when compression is off", () => {
    const timeline = toTimeline(
      [
        { t: 1000, text: "a" },
        { t: 22_000, text: "b" },
      ],
      null,
    );
    expect(timeline.map((frame) => frame.at)).toEqual([0, 21_000]);
  });

  it("finds the frame shown at a position and its wall-clock time", () => {
    const timeline = toTimeline([
      { t: 0, text: "a" },
      { t: 500, text: "b" },
      { t: 90_000, text: "c" },
    ]);
    expect(frameAt(timeline, 400)?.text).toBe("a");
    expect(frameAt(timeline, 500 + IDLE_LIMIT_MS)?.text).toBe("c");
    const startedAt = "2026-12-04T10:00:00.000Z";
    expect(wallClock(startedAt, frameAt(timeline, 500 + IDLE_LIMIT_MS))).toBe(
      new Date("2026-12-04T10:01:30.000Z").toLocaleTimeString(),
    );
  });

  it("searches text without colour codes", () => {
    expect(plainText("\x1b[31mERROR:  blocked\x1b[0m")).toBe("ERROR:  blocked");
  });
});
