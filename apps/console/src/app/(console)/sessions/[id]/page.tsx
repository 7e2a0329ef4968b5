import { requirePage } from "@/server/page-guard";
import { SessionReplay } from "./session-replay";

export const metadata = { title: "Session replay · Sluice" };

export default async function SessionPage({ params }: { params: Promise<{ id: string }> }) {
  await requirePage("sessions:read");
  return <SessionReplay id={(await params).id} />;
}
