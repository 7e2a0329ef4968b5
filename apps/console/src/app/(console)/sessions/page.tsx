import { requirePage } from "@/server/page-guard";
import { SessionsList } from "./sessions-list";

export const metadata = { title: "Sessions · Sluice" };

export default async function SessionsPage() {
  await requirePage("sessions:read");
  return <SessionsList />;
}
