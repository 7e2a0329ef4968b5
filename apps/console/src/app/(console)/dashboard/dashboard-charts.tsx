"use client";

import { useQuery } from "@tanstack/react-query";
import { api } from "@/client/api";
import { Card, ErrorBanner, PageHeader } from "@/client/ui";

type Day = {
  day: string;
  sessions: number;
  statements: number;
  denied: number;
  held: number;
  masked: number;
};

const SERIES = [
  { key: "sessions", label: "Sessions", color: "#0f172a" },
  { key: "denied", label: "Blocked statements", color: "#b91c1c" },
  { key: "held", label: "Held for review", color: "#b45309" },
  { key: "masked", label: "Masked results", color: "#0369a1" },
] as const;

export function DashboardCharts() {
  const stats = useQuery({
    queryKey: ["dashboard"],
    queryFn: () => api<Day[]>("/dashboard"),
    refetchInterval: 10_000,
  });
  return (
    <>
      <PageHeader
        title="Dashboard"
        description="What agents did through the gateway over the last 14 days (UTC), refreshed every 10 seconds."
      />
      <ErrorBanner error={stats.error} />
      <div className="grid gap-4 md:grid-cols-2">
        {SERIES.map((series) => (
          <Card
            key={series.key}
            title={`${series.label} · ${stats.data?.reduce((sum, day) => sum + day[series.key], 0) ?? "…"}`}
          >
            <BarChart
              days={stats.data ?? []}
              value={(day) => day[series.key]}
              color={series.color}
              label={series.label}
            />
          </Card>
        ))}
      </div>
    </>
  );
}

/** A small SVG bar chart with a text alternative (the table of values) for screen readers. */
function BarChart({
  days,
  value,
  color,
  label,
}: {
  days: Day[];
  value: (day: Day) => number;
  color: string;
  label: string;
}) {
  const max = Math.max(1, ...days.map(value));
  const width = 14;
  const gap = 6;
  return (
    <figure>
      <svg
        role="img"
        aria-label={`${label} per day`}
        viewBox={`0 0 ${days.length * (width + gap)} 110`}
        className="h-32 w-full"
      >
        {days.map((day, index) => {
          const height = (value(day) / max) * 90;
          return (
            <g key={day.day}>
              <rect
                x={index * (width + gap)}
                y={95 - height}
                width={width}
                height={height}
                fill={color}
                rx={2}
              >
                <title>{`${day.day}: ${value(day)}`}</title>
              </rect>
              {index % 3 === 0 ? (
                <text x={index * (width + gap)} y={108} fontSize={7} fill="#64748b">
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
