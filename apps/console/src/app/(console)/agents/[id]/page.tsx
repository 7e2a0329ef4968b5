import { queryKeys } from "@/client/query-keys";
import { env } from "@/server/env";
import { requirePage } from "@/server/page-guard";
import { PrefetchedData } from "@/server/prefetch";
import { PageSkeleton } from "../../page-skeleton";
import { AgentPage } from "./agent-page";

export const metadata = { title: "Agent · Sluice" };

export default async function AgentDetailPage({ params }: { params: Promise<{ id: string }> }) {
  const actor = await requirePage("policy:read");
  const { id } = await params;
  const config = env();
  const path = `/agents/${encodeURIComponent(id)}`;
  return (
    <PrefetchedData
      actor={actor}
      queries={[
        { key: queryKeys.agents.detail(id), path },
        { key: [...queryKeys.agents.detail(id), "activity"], path: `${path}/activity` },
        { key: queryKeys.connections.list(), path: "/connections" },
      ]}
      fallback={<PageSkeleton title="Agent" what="the agent" />}
    >
      <AgentPage
        id={id}
        gateway={{
          host: config.SLUICE_GATEWAY_HOST,
          port: config.SLUICE_GATEWAY_PORT,
          caFile: config.SLUICE_GATEWAY_CA_FILE ?? null,
        }}
      />
    </PrefetchedData>
  );
}
