import { requirePage } from "@/server/page-guard";
import { PrefetchedData } from "@/server/prefetch";
import { PageSkeleton } from "../page-skeleton";
import { reviewListKey, reviewStatusOf } from "./review-statuses";
import { ReviewsList } from "./reviews-list";

export const metadata = { title: "Reviews · Sluice" };

export default async function ReviewsPage({ searchParams }: { searchParams: Promise<{ status?: string }> }) {
  const actor = await requirePage("reviews:read");
  const status = reviewStatusOf((await searchParams).status);
  return (
    <PrefetchedData
      actor={actor}
      queries={[{ key: reviewListKey(status), path: `/reviews?status=${status}` }]}
      fallback={<PageSkeleton title="Reviews" what="reviews" />}
    >
      <ReviewsList />
    </PrefetchedData>
  );
}
