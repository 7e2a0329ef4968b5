import { hostname } from "node:os";
import type { PrismaClient } from "@sluice/db/prisma";
import type { SessionHooks } from "@sluice/transport/client-connection";

/** Identifies this gateway process in sessions and reviews (a restart abandons what it held). */
export const GATEWAY_ID = `${hostname()}:${process.pid}`;

/**
 * Records each session in the store before its first statement can run (audit first), and its end.
 * Statement-level recording belongs to the recording layer.
 */
export function createSessionAudit(prisma: PrismaClient, log: (line: string) => void): SessionHooks {
  return {
    async onSessionStart(info) {
      const session = await prisma.gatewaySession.create({
        data: {
          agentId: info.agent.agentId,
          connectionId: info.connection.connectionId,
          gatewayId: GATEWAY_ID,
          clientAddress: info.clientAddress,
          isTls: info.isTls,
          agentGroups: info.agent.groups,
        },
      });
      return session.id;
    },
    onSessionEnd(sessionId, reason) {
      prisma.gatewaySession
        .update({ where: { id: sessionId }, data: { endedAt: new Date(), endReason: reason.slice(0, 500) } })
        .catch((error: unknown) => log(`could not record the end of session ${sessionId}: ${String(error)}`));
    },
  };
}
