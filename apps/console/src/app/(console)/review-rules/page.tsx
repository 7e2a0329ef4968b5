import { queryKeys, resourceKeys } from "@/client/query-keys";
import { requirePage } from "@/server/page-guard";
import { PrefetchedData } from "@/server/prefetch";
import { PageSkeleton } from "../page-skeleton";
import { ReviewRulesPanel } from "./review-rules-panel";

export const metadata = { title: "Review rules · Sluice" };

export default async function ReviewRulesPage() {
  const actor = await requirePage("policy:read");
  return (
    <PrefetchedData
      actor={actor}
      queries={[
        { key: resourceKeys("review-rules").list(), path: "/review-rules" },
        { key: queryKeys.reviewerGroups.list(), path: "/reviewer-groups" },
        { key: queryKeys.connections.list(), path: "/connections" },
      ]}
      fallback={<PageSkeleton title="Review rules" what="review rules" />}
    >
      <ReviewRulesPanel />
    </PrefetchedData>
  );
}
