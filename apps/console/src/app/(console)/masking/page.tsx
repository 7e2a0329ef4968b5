import { queryKeys, resourceKeys } from "@/client/query-keys";
import { requirePage } from "@/server/page-guard";
import { PrefetchedData } from "@/server/prefetch";
import { PageSkeleton } from "../page-skeleton";
import { MaskingPanel } from "./masking-panel";
import { MaskingPreview } from "./masking-preview";

export const metadata = { title: "Masking · Sluice" };

export default async function MaskingPage() {
  const actor = await requirePage("policy:read");
  return (
    <PrefetchedData
      actor={actor}
      queries={[
        { key: resourceKeys("masking-rules").list(), path: "/masking-rules" },
        { key: queryKeys.connections.list(), path: "/connections" },
      ]}
      fallback={<PageSkeleton title="Masking" what="masking rules" />}
    >
      <div className="space-y-6">
        <MaskingPanel />
        <MaskingPreview />
      </div>
    </PrefetchedData>
  );
}
