import { queryKeys } from "@/client/query-keys";
import { requirePage } from "@/server/page-guard";
import { PrefetchedData } from "@/server/prefetch";
import { PageSkeleton } from "../page-skeleton";
import { Dashboard } from "./dashboard";

export const metadata = { title: "Dashboard · Sluice" };

export default async function DashboardPage() {
  const actor = await requirePage("dashboard:read");
  return (
    <PrefetchedData
      actor={actor}
      queries={[{ key: queryKeys.dashboard.detail("overview"), path: "/dashboard/overview" }]}
      fallback={<PageSkeleton title="Dashboard" what="the dashboard" />}
    >
      <Dashboard />
    </PrefetchedData>
  );
}
