import type { Frame } from "@sluice/recording/render-terminal";

/** Idle stretches longer than this play as this long (asciinema's idle time limit), so replays stay watchable. */
export const IDLE_LIMIT_MS = 2000;

export type TimedFrame = Frame & { at: number };

/** Gives each frame its playback time: recorded time with idle gaps capped. */
export function toTimeline(frames: readonly Frame[]): TimedFrame[] {
  let at = 0;
  let previous = frames[0]?.t ?? 0;
  return frames.map((frame) => {
    at += Math.min(Math.max(0, frame.t - previous), IDLE_LIMIT_MS);
    previous = frame.t;
    return { ...frame, at };
  });
}

/** Terminal text without colour codes, for search. */
export function plainText(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes start with ESC
  return text.replace(/\x1b\[[0-9;]*m/g, "");
}
