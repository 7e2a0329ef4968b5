import { env } from "@/server/env";
import { requirePage } from "@/server/page-guard";
import { AgentPage } from "./agent-page";

export const metadata = { title: "Agent · Sluice" };

export default async function AgentDetailPage({ params }: { params: Promise<{ id: string }> }) {
  await requirePage("policy:read");
  const config = env();
  return (
    <AgentPage
      id={(await params).id}
      gateway={{
        host: config.SLUICE_GATEWAY_HOST,
        port: config.SLUICE_GATEWAY_PORT,
        caFile: config.SLUICE_GATEWAY_CA_FILE ?? null,
      }}
    />
  );
}
