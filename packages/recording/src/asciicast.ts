import type { Frame } from "./render-terminal";

/**
 * asciicast v2 (what asciinema's player plays): a header line, then `[seconds, "o", text]` per frame.
 * @see https://docs.asciinema.org/manual/asciicast/v2/
 */
export function toAsciicast(
  frames: readonly Frame[],
  header: { title: string; startedAt: Date; width?: number; height?: number },
): string {
  const lines = [
    JSON.stringify({
      version: 2,
      width: header.width ?? 120,
      height: header.height ?? 36,
      timestamp: Math.floor(header.startedAt.getTime() / 1000),
      title: header.title,
      env: { TERM: "xterm-256color" },
    }),
    ...frames.map((frame) => JSON.stringify([Number((frame.t / 1000).toFixed(3)), "o", frame.text])),
  ];
  return `${lines.join("\n")}\n`;
}
