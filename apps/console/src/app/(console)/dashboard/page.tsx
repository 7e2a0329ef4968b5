import { requirePage } from "@/server/page-guard";
import { Dashboard } from "./dashboard";

export const metadata = { title: "Dashboard · Sluice" };

export default async function DashboardPage() {
  await requirePage("dashboard:read");
  return <Dashboard />;
}
