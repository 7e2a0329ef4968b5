import { requirePage } from "@/server/page-guard";
import { ReviewsList } from "./reviews-list";

export const metadata = { title: "Reviews · Sluice" };

export default async function ReviewsPage() {
  await requirePage("reviews:read");
  return <ReviewsList />;
}
