import { requirePage } from "@/server/page-guard";
import { MaskingPanel } from "./masking-panel";
import { MaskingPreview } from "./masking-preview";

export const metadata = { title: "Masking · Sluice" };

export default async function MaskingPage() {
  await requirePage("policy:read");
  return (
    <div className="space-y-6">
      <MaskingPanel />
      <MaskingPreview />
    </div>
  );
}
