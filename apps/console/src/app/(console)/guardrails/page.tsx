import { requirePage } from "@/server/page-guard";
import { GuardrailsPanel } from "./guardrails-panel";
import { TryStatement } from "./try-statement";

export const metadata = { title: "Guardrails · Sluice" };

export default async function GuardrailsPage() {
  await requirePage("policy:read");
  return (
    <div className="space-y-6">
      <GuardrailsPanel />
      <TryStatement />
    </div>
  );
}
