import { queryKeys } from "@/client/query-keys";
import { requirePage } from "@/server/page-guard";
import { PrefetchedData } from "@/server/prefetch";
import { PageSkeleton } from "../page-skeleton";
import { ConnectionsPanel } from "./connections-panel";

export const metadata = { title: "Connections · Sluice" };

export default async function ConnectionsPage() {
  const actor = await requirePage("policy:read");
  return (
    <PrefetchedData
      actor={actor}
      queries={[{ key: queryKeys.connections.list(), path: "/connections" }]}
      fallback={<PageSkeleton title="Connections" what="connections" />}
    >
      <ConnectionsPanel />
    </PrefetchedData>
  );
}
