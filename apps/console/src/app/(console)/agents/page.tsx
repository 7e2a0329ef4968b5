import { queryKeys } from "@/client/query-keys";
import { env } from "@/server/env";
import { requirePage } from "@/server/page-guard";
import { PrefetchedData } from "@/server/prefetch";
import { PageSkeleton } from "../page-skeleton";
import { AgentsPanel } from "./agents-panel";

export const metadata = { title: "Agents · Sluice" };

export default async function AgentsPage() {
  const actor = await requirePage("policy:read");
  const config = env();
  return (
    <PrefetchedData
      actor={actor}
      queries={[{ key: queryKeys.agents.list(), path: "/agents" }]}
      fallback={<PageSkeleton title="Agents" what="agents" />}
    >
      <AgentsPanel
        gateway={{
          host: config.SLUICE_GATEWAY_HOST,
          port: config.SLUICE_GATEWAY_PORT,
          caFile: config.SLUICE_GATEWAY_CA_FILE ?? null,
        }}
      />
    </PrefetchedData>
  );
}
