import { requirePage } from "@/server/page-guard";
import { ConnectionsPanel } from "./connections-panel";

export const metadata = { title: "Connections · Sluice" };

export default async function ConnectionsPage() {
  await requirePage("policy:read");
  return <ConnectionsPanel />;
}
