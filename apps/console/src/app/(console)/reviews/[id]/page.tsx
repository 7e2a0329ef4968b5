import { requirePage } from "@/server/page-guard";
import { ReviewDetail } from "./review-detail";

export const metadata = { title: "Review · Sluice" };

export default async function ReviewPage({ params }: { params: Promise<{ id: string }> }) {
  await requirePage("reviews:read");
  return <ReviewDetail id={(await params).id} />;
}
