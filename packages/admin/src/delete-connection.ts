import { bumpPolicyVersion } from "@sluice/db/policy-version";
import type { AdminContext } from "./actor";
import { AdminError } from "./admin-error";
import { toConnectionView } from "./connection-view";
import { assertCan } from "./permissions";
import { recordAudit } from "./record-audit";

/** Deletes a connection with its rules; agents using it get "unknown connection" from then on. */
export async function deleteConnection(context: AdminContext, options: { id: string }) {
  assertCan(context.actor, "policy:write");
  await context.db.$transaction(async (db) => {
    const before = await db.connection.findUnique({
      where: { id: options.id },
      include: { access: { include: { group: true } } },
    });
    if (!before) throw new AdminError("not_found", "no such connection");
    // Deleting would cascade to its recorded sessions: history is kept, so the answer is "disable".
    if (await db.gatewaySession.findFirst({ where: { connectionId: options.id }, select: { id: true } })) {
      throw new AdminError(
        "conflict",
        "this connection has recorded sessions; disable it instead of deleting it",
      );
    }
    await db.connection.delete({ where: { id: options.id } });
    await recordAudit(db, context.actor, {
      action: "connection.delete",
      targetType: "connection",
      targetId: options.id,
      before: toConnectionView(before),
    });
    await bumpPolicyVersion(db);
  });
}
