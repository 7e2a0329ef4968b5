import { env } from "@/server/env";
import { requirePage } from "@/server/page-guard";
import { AgentsPanel } from "./agents-panel";

export const metadata = { title: "Agents · Sluice" };

export default async function AgentsPage() {
  await requirePage("policy:read");
  const config = env();
  return (
    <AgentsPanel
      gateway={{
        host: config.SLUICE_GATEWAY_HOST,
        port: config.SLUICE_GATEWAY_PORT,
        caFile: config.SLUICE_GATEWAY_CA_FILE ?? null,
      }}
    />
  );
}
