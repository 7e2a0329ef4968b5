import { requirePage } from "@/server/page-guard";
import { ApiTokensPanel } from "./api-tokens-panel";

export const metadata = { title: "API tokens · Sluice" };

export default async function ApiTokensPage() {
  const actor = await requirePage("tokens:own");
  return <ApiTokensPanel roles={[...actor.roles]} />;
}
