"use client";

import type { Day } from "./overview-types";
import { sessionsOfDay } from "./overview-types";

const WIDTH = 560;
const HEIGHT = 170;
const LEFT = 36;
const BOTTOM = 22;
const TOP = 8;

/** The top of the y axis: a round number at or above the largest value, so ticks read cleanly. */
function niceMax(value: number): number {
  if (value <= 4) return 4;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((m) => m * magnitude >= value / 4) ?? 10;
  return Math.ceil(value / (step * magnitude)) * step * magnitude;
}

/**
 * Per-day bars with a labelled y axis (counts) and x axis (dates). A bar links to the sessions of
 * that day (with the series' verdict) when the viewer may read sessions.
 */
export function TimeSeriesChart({
  days,
  value,
  color,
  label,
  verdict,
  canDrillDown,
}: {
  days: Day[];
  value: (day: Day) => number;
  color: string;
  label: string;
  verdict: string | null;
  canDrillDown: boolean;
}) {
  const max = niceMax(Math.max(0, ...days.map(value)));
  const plotWidth = WIDTH - LEFT - 4;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const slot = plotWidth / Math.max(days.length, 1);
  const ticks = [0, max / 4, max / 2, (3 * max) / 4, max];
  const y = (v: number) => TOP + plotHeight - (v / max) * plotHeight;
  return (
    <figure aria-label={`${label} per day`}>
      <svg
        // No role="img": its bars are links, and an image may hold nothing interactive. The figure
        // names the chart; its caption reads out every value.
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        className="w-full"
      >
        <title>{`${label} per day`}</title>
        {ticks.map((tick) => (
          <g key={tick}>
            <line x1={LEFT} x2={WIDTH - 4} y1={y(tick)} y2={y(tick)} stroke="#e2e8f0" />
            <text x={LEFT - 4} y={y(tick) + 3} fontSize={9} fill="#475569" textAnchor="end">
              {Number.isInteger(tick) ? tick : tick.toFixed(1)}
            </text>
          </g>
        ))}
        <line x1={LEFT} x2={LEFT} y1={TOP} y2={TOP + plotHeight} stroke="#94a3b8" />
        {days.map((day, index) => {
          const v = value(day);
          const x = LEFT + index * slot + slot * 0.15;
          const bar = (
            <rect x={x} y={y(v)} width={slot * 0.7} height={TOP + plotHeight - y(v)} fill={color} rx={2}>
              <title>{`${day.day}: ${v} ${label.toLowerCase()}`}</title>
            </rect>
          );
          return (
            <g key={day.day}>
              {canDrillDown && v > 0 ? (
                // A plain SVG link: next/link renders an HTML anchor, which SVG does not draw.
                <a
                  href={sessionsOfDay(day.day, verdict)}
                  aria-label={`${label} on ${day.day}: ${v}, open the sessions`}
                >
                  {bar}
                </a>
              ) : (
                bar
              )}
              {index % 2 === 0 ? (
                <text x={x + slot * 0.35} y={HEIGHT - 6} fontSize={9} fill="#475569" textAnchor="middle">
                  {day.day.slice(5)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption className="sr-only">{days.map((day) => `${day.day}: ${value(day)}`).join("; ")}</figcaption>
    </figure>
  );
}
