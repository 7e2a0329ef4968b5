"use client";

import type { RecordingEvent } from "@sluice/recording/events";
import { renderFrames } from "@sluice/recording/render-terminal";
import "@xterm/xterm/css/xterm.css";
import { useEffect, useMemo, useRef, useState } from "react";
import { inputClass, secondaryButtonClass } from "@/client/ui";
import { MARKER_COLORS, MarkerLegend } from "./player-legend";
import { openPlayerTerminal, type PlayerTerminal, SEARCH_DECORATIONS } from "./player-terminal";
import { frameAt, IDLE_LIMIT_MS, plainText, type TimedFrame, toTimeline, wallClock } from "./timeline";

const SPEEDS = [1, 2, 4, 8, 16] as const;
const TICK_MS = 50;

/**
 * Replays a recording in xterm.js sized to its panel: play/pause, 1×–16×, idle compression that
 * says so and can be turned off, the recorded wall-clock time of what is shown, a seek bar with
 * markers for denied, held and masked statements (and their legend), jump to a statement, and
 * search that highlights its matches. A live session is followed as it grows.
 */
export function Player({
  events,
  isLive,
  startedAt,
}: {
  events: RecordingEvent[];
  isLive: boolean;
  startedAt: string;
}) {
  const [isCompressed, setCompressed] = useState(true);
  const rendered = useMemo(() => renderFrames(events), [events]);
  const frames = useMemo(
    () => toTimeline(rendered, isCompressed ? IDLE_LIMIT_MS : null),
    [rendered, isCompressed],
  );
  const duration = frames.at(-1)?.at ?? 0;
  const host = useRef<HTMLDivElement>(null);
  const terminal = useRef<PlayerTerminal | null>(null);
  const written = useRef(0);
  /** Runs once the terminal has drawn what was last written (a search highlights after its seek). */
  const afterWrite = useRef<(() => void) | null>(null);
  const [isReady, setReady] = useState(false);
  const [position, setPosition] = useState(0);
  const [isPlaying, setPlaying] = useState(false);
  const [speed, setSpeed] = useState<(typeof SPEEDS)[number]>(1);
  const [search, setSearch] = useState({ text: "", status: "" });
  /** Follows the end as events arrive: set when the first events come, for a live session only. */
  const isFollowing = useRef<boolean | null>(null);

  useEffect(() => {
    let dispose: (() => void) | null = null;
    let isDisposed = false;
    if (!host.current) return;
    void openPlayerTerminal(host.current).then((opened) => {
      if (isDisposed) return opened.dispose();
      terminal.current = opened;
      dispose = opened.dispose;
      setReady(true);
    });
    return () => {
      isDisposed = true;
      dispose?.();
      terminal.current = null;
    };
  }, []);

  // Writes what the position shows: forward by appending, backward by redrawing from the start.
  useEffect(() => {
    const term = terminal.current?.term;
    if (!term || !isReady) return;
    const shownUntil = frames[written.current - 1]?.at ?? -1;
    if (position < shownUntil) {
      term.reset();
      written.current = 0;
    }
    let text = "";
    while (written.current < frames.length && (frames[written.current] as TimedFrame).at <= position) {
      text += (frames[written.current] as TimedFrame).text;
      written.current += 1;
    }
    if (text)
      term.write(text, () => {
        afterWrite.current?.();
        afterWrite.current = null;
      });
  }, [position, frames, isReady]);

  useEffect(() => {
    if (!isPlaying) return;
    const timer = setInterval(() => {
      setPosition((current) => {
        const next = current + TICK_MS * speed;
        if (next >= duration) {
          if (!isLive) setPlaying(false);
          return duration;
        }
        return next;
      });
    }, TICK_MS);
    return () => clearInterval(timer);
  }, [isPlaying, speed, duration, isLive]);

  // A live session at its end keeps following as new events arrive.
  useEffect(() => {
    if (frames.length === 0) return;
    isFollowing.current ??= isLive;
    // Keeps following after the session ends, so its last events (and the end) are shown too.
    if (isFollowing.current) setPosition(duration);
  }, [duration, isLive, frames.length]);

  const seek = (to: number) => {
    isFollowing.current = to >= duration;
    setPosition(Math.max(0, Math.min(duration, to)));
  };
  /** Switching compression keeps the same recorded moment on screen. */
  const toggleCompression = (compress: boolean) => {
    const shown = frames.indexOf(frameAt(frames, position) as TimedFrame);
    const next = toTimeline(rendered, compress ? IDLE_LIMIT_MS : null);
    setCompressed(compress);
    setPosition(shown >= 0 ? (next[shown]?.at ?? 0) : 0);
  };
  const statements = frames.filter((frame) => frame.marker === "statement");
  const markers = frames.filter(
    (frame): frame is TimedFrame & { marker: keyof typeof MARKER_COLORS } =>
      frame.marker !== undefined && frame.marker !== "statement",
  );
  const findNext = () => {
    const query = search.text.trim();
    if (!query) return;
    const matches = frames.filter((frame) =>
      plainText(frame.text).toLowerCase().includes(query.toLowerCase()),
    );
    const next = matches.find((frame) => frame.at > position) ?? matches[0];
    if (!next) {
      terminal.current?.search.clearDecorations();
      setSearch({ ...search, status: "no match" });
      return;
    }
    // The match is the newest text once the terminal shows its frame: highlight from the end.
    const highlight = () =>
      terminal.current?.search.findPrevious(query, { decorations: SEARCH_DECORATIONS, caseSensitive: false });
    if (next.at === position) highlight();
    else afterWrite.current = highlight;
    seek(next.at);
    setSearch({ ...search, status: `match ${matches.indexOf(next) + 1} of ${matches.length}` });
  };

  return (
    <div>
      <div ref={host} data-testid="terminal" className="h-[32rem] overflow-hidden rounded bg-black p-2" />
      <div className="relative mt-3 h-6">
        <input
          type="range"
          aria-label="Seek"
          min={0}
          max={Math.max(duration, 1)}
          step={10}
          value={position}
          onChange={(event) => seek(Number(event.target.value))}
          className="absolute inset-x-0 top-1 w-full"
        />
        {markers.map((frame, index) => (
          <button
            key={`${frame.at}-${index}`}
            type="button"
            title={`${frame.marker} · statement ${frame.statement} · ${wallClock(startedAt, frame)}`}
            aria-label={`Seek to ${frame.marker} statement ${frame.statement}`}
            data-marker={frame.marker}
            onClick={() => seek(frame.at)}
            className={`absolute top-0 h-2 w-1.5 -translate-x-1/2 rounded-sm ${MARKER_COLORS[frame.marker]}`}
            style={{ left: `${duration ? (frame.at / duration) * 100 : 0}%` }}
          />
        ))}
      </div>
      <MarkerLegend />
      <div className="mt-2 flex flex-wrap items-center gap-3 text-sm">
        <button
          type="button"
          className={secondaryButtonClass}
          onClick={() => {
            if (!isPlaying && position >= duration) seek(0);
            setPlaying(!isPlaying);
          }}
        >
          {isPlaying ? "Pause" : "Play"}
        </button>
        <label className="flex items-center gap-1">
          Speed
          <select
            aria-label="Speed"
            className={inputClass}
            value={speed}
            onChange={(event) => setSpeed(Number(event.target.value) as (typeof SPEEDS)[number])}
          >
            {SPEEDS.map((value) => (
              <option key={value} value={value}>
                {value}×
              </option>
            ))}
          </select>
        </label>
        <label className="flex items-center gap-1">
          <input
            type="checkbox"
            checked={isCompressed}
            onChange={(event) => toggleCompression(event.target.checked)}
          />
          Compress idle time (pauses over {IDLE_LIMIT_MS / 1000} s play as {IDLE_LIMIT_MS / 1000} s)
        </label>
        <span data-testid="position" className="font-mono text-xs text-slate-600">
          {(position / 1000).toFixed(1)} s / {(duration / 1000).toFixed(1)} s
        </span>
        <span data-testid="wall-clock" className="font-mono text-xs text-slate-600">
          recorded at {wallClock(startedAt, frameAt(frames, position))}
        </span>
        <select
          aria-label="Jump to statement"
          className={inputClass}
          value=""
          onChange={(event) => seek(Number(event.target.value))}
        >
          <option value="">Jump to statement…</option>
          {statements.map((frame) => (
            <option key={`${frame.statement}-${frame.at}`} value={frame.at}>
              {wallClock(startedAt, frame)} · {frame.statement}.{" "}
              {plainText(frame.text)
                .replace(/^\S+=> /, "")
                .slice(0, 80)}
            </option>
          ))}
        </select>
        <form
          className="flex items-center gap-1"
          onSubmit={(event) => {
            event.preventDefault();
            findNext();
          }}
        >
          <input
            aria-label="Search the session"
            className={inputClass}
            placeholder="Search text"
            value={search.text}
            onChange={(event) => setSearch({ text: event.target.value, status: "" })}
          />
          <button type="submit" className={secondaryButtonClass}>
            Find next
          </button>
          <span className="text-xs text-slate-500" aria-live="polite" data-testid="search-status">
            {search.status}
          </span>
        </form>
      </div>
    </div>
  );
}
