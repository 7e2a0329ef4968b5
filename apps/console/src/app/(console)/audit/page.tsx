import { requirePage } from "@/server/page-guard";
import { AuditLog } from "./audit-log";

export const metadata = { title: "Audit log · Sluice" };

export default async function AuditPage() {
  await requirePage("audit:read");
  return <AuditLog />;
}
