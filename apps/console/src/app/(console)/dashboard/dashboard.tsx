"use client";

import { useQuery } from "@tanstack/react-query";
import { api } from "@/client/api";
import { queryKeys } from "@/client/query-keys";
import { Card, ErrorBanner, PageHeader } from "@/client/ui";
import type { Day, Overview } from "./overview-types";
import { HealthCard, PendingReviewsCard, RecentDenialsCard } from "./status-cards";
import { TimeSeriesChart } from "./time-series-chart";
import { TopLists } from "./top-lists";

const SERIES = [
  { key: "sessions", label: "Sessions", color: "#0f172a", verdict: null },
  { key: "denied", label: "Blocked statements", color: "#b91c1c", verdict: "denied" },
  { key: "held", label: "Held for review", color: "#b45309", verdict: "held" },
  { key: "masked", label: "Masked results", color: "#0369a1", verdict: "masked" },
] as const;

export function Dashboard() {
  const overview = useQuery({
    queryKey: queryKeys.dashboard.detail("overview"),
    queryFn: () => api<Overview>("/dashboard/overview"),
    refetchInterval: 10_000,
  });
  const data = overview.data;
  // Reading sessions is what the drill-down needs; the top lists come only to those who may.
  const canDrillDown = data?.topAgents != null;
  return (
    <>
      <PageHeader
        title="Dashboard"
        description="What agents did through the gateway over the last 14 days (UTC), refreshed every 10 seconds. Bars and names open the matching sessions."
      />
      <ErrorBanner error={overview.error} />
      <div className="grid gap-4 lg:grid-cols-3">
        {data?.pendingReviews ? <PendingReviewsCard pending={data.pendingReviews} /> : null}
        {data?.recentDenials ? <RecentDenialsCard denials={data.recentDenials} /> : null}
        <HealthCard health={data?.health ?? null} storeError={Boolean(overview.error)} />
      </div>
      <div className="mt-4 grid gap-4 md:grid-cols-2">
        {SERIES.map((series) => (
          <Card
            key={series.key}
            title={`${series.label} · ${data?.days.reduce((sum, day) => sum + day[series.key], 0) ?? "…"}`}
          >
            <TimeSeriesChart
              days={data?.days ?? []}
              value={(day: Day) => day[series.key]}
              color={series.color}
              label={series.label}
              verdict={series.verdict}
              canDrillDown={canDrillDown}
            />
          </Card>
        ))}
      </div>
      {data ? (
        <div className="mt-4">
          <TopLists overview={data} />
        </div>
      ) : null}
    </>
  );
}
