import type { PrismaClient } from "@sluice/db/prisma";
import { until } from "../../../../test/until";

export type WrittenRefusal = {
  /** The session row's `refusal`: the precise reason admins see. */
  refusal: string;
  claimedAgent: string | null;
  /** From the `connection.refused` audit event: the path, and the words the client got. */
  path: string;
  clientMessage: string;
};

/**
 * The refused attempts written since `since`, oldest first, once there are `count` of them (they
 * are written off the request path, so a test waits for them rather than reading at once).
 */
export async function refusalsSince(
  prisma: PrismaClient,
  since: Date,
  count: number,
): Promise<WrittenRefusal[]> {
  return until(
    async () => {
      const sessions = await prisma.gatewaySession.findMany({
        where: { refusal: { not: null }, startedAt: { gte: since } },
        orderBy: { startedAt: "asc" },
      });
      if (sessions.length < count) return null;
      const events = await prisma.auditEvent.findMany({
        where: { action: "connection.refused", sessionId: { in: sessions.map((session) => session.id) } },
      });
      if (events.length < sessions.length) return null;
      return sessions.map((session) => {
        const metadata = events.find((event) => event.sessionId === session.id)?.metadata as {
          path: string;
          message: string;
        };
        return {
          refusal: session.refusal as string,
          claimedAgent: session.claimedAgent,
          path: metadata.path,
          clientMessage: metadata.message,
        };
      });
    },
    { what: `${count} refused attempts written` },
  );
}
