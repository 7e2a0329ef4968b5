import { queryKeys, resourceKeys } from "@/client/query-keys";
import { requirePage } from "@/server/page-guard";
import { PrefetchedData } from "@/server/prefetch";
import { PageSkeleton } from "../page-skeleton";
import { GuardrailsPanel } from "./guardrails-panel";
import { TryStatement } from "./try-statement";

export const metadata = { title: "Guardrails · Sluice" };

export default async function GuardrailsPage() {
  const actor = await requirePage("policy:read");
  return (
    <PrefetchedData
      actor={actor}
      queries={[
        { key: resourceKeys("guardrails").list(), path: "/guardrails" },
        { key: queryKeys.connections.list(), path: "/connections" },
        { key: queryKeys.agents.list(), path: "/agents" },
      ]}
      fallback={<PageSkeleton title="Guardrails" what="guardrails" />}
    >
      <div className="space-y-6">
        <GuardrailsPanel />
        <TryStatement />
      </div>
    </PrefetchedData>
  );
}
