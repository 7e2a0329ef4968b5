import { requirePage } from "@/server/page-guard";
import { DashboardCharts } from "./dashboard-charts";

export const metadata = { title: "Dashboard · Sluice" };

export default async function DashboardPage() {
  await requirePage("dashboard:read");
  return <DashboardCharts />;
}
