import type { Frame } from "@sluice/recording/render-terminal";

/** Idle stretches longer than this play as this long (asciinema's idle time limit), so replays stay watchable. */
export const IDLE_LIMIT_MS = 2000;

export type TimedFrame = Frame & { at: number };

/**
 * Gives each frame its playback time: recorded time, with idle gaps capped at `idleLimitMs` when
 * idle time is compressed (null: real time, so a 21 s hold plays as 21 s).
 */
export function toTimeline(
  frames: readonly Frame[],
  idleLimitMs: number | null = IDLE_LIMIT_MS,
): TimedFrame[] {
  let at = 0;
  let previous = frames[0]?.t ?? 0;
  return frames.map((frame) => {
    const gap = Math.max(0, frame.t - previous);
    at += idleLimitMs === null ? gap : Math.min(gap, idleLimitMs);
    previous = frame.t;
    return { ...frame, at };
  });
}

/** Terminal text without colour codes, for search. */
export function plainText(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes start with ESC
  return text.replace(/\x1b\[[0-9;]*m/g, "");
}

/** The recorded frame shown at a playback position (the last one at or before it). */
export function frameAt(frames: readonly TimedFrame[], position: number): TimedFrame | undefined {
  let shown: TimedFrame | undefined;
  for (const frame of frames) {
    if (frame.at > position) break;
    shown = frame;
  }
  return shown;
}

/** Wall-clock time of a frame: the session's start plus the frame's recorded offset. */
export function wallClock(startedAt: string, frame: Pick<Frame, "t"> | undefined): string {
  return new Date(new Date(startedAt).getTime() + (frame?.t ?? 0)).toLocaleTimeString();
}
