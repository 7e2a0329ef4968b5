import { requirePage } from "@/server/page-guard";
import { ReviewRulesPanel } from "./review-rules-panel";

export const metadata = { title: "Review rules · Sluice" };

export default async function ReviewRulesPage() {
  await requirePage("policy:read");
  return <ReviewRulesPanel />;
}
