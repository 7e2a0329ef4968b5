import type { AdminContext } from "./actor";
import { AdminError } from "./admin-error";
import { toConnectionView } from "./connection-view";
import { assertCan } from "./permissions";

export async function listConnections(context: AdminContext) {
  assertCan(context.actor, "policy:read");
  const rows = await context.db.connection.findMany({
    orderBy: { name: "asc" },
    include: { access: { include: { group: true } } },
  });
  return rows.map(toConnectionView);
}

export async function getConnection(context: AdminContext, options: { id: string }) {
  assertCan(context.actor, "policy:read");
  const row = await context.db.connection.findUnique({
    where: { id: options.id },
    include: { access: { include: { group: true } } },
  });
  if (!row) throw new AdminError("not_found", "no such connection");
  return toConnectionView(row);
}
