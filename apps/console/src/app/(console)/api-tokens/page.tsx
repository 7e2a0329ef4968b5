import { queryKeys } from "@/client/query-keys";
import { requirePage } from "@/server/page-guard";
import { PrefetchedData } from "@/server/prefetch";
import { PageSkeleton } from "../page-skeleton";
import { ApiTokensPanel } from "./api-tokens-panel";

export const metadata = { title: "API tokens · Sluice" };

export default async function ApiTokensPage() {
  const actor = await requirePage("tokens:own");
  return (
    <PrefetchedData
      actor={actor}
      queries={[{ key: queryKeys.apiTokens.list(), path: "/api-tokens" }]}
      fallback={<PageSkeleton title="API tokens" what="API tokens" />}
    >
      <ApiTokensPanel roles={[...actor.roles]} />
    </PrefetchedData>
  );
}
