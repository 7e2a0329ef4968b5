import type { PrismaClient } from "@sluice/db/prisma";
import { repeatWithoutOverlap } from "@sluice/db/scheduling/repeat-without-overlap";
import { ClientError } from "@sluice/session/client-error";
import type { GatewayServer } from "@sluice/transport/gateway-server";

/** Revoking or disabling must end live sessions "within a second": poll at twice that rate. */
export const REVOCATION_POLL_MS = 500;

/**
 * Ends live sessions whose agent was disabled, whose credential was revoked or expired, or whose
 * connection was disabled or lost the agent's group. One query per tick covers every session.
 */
export function watchRevocations(prisma: PrismaClient, server: GatewayServer, log: (line: string) => void) {
  const tick = async () => {
    const sessions = server.sessions();
    if (sessions.length === 0) return;
    const credentialIds = [...new Set(sessions.map((session) => session.credentialId))];
    const usable = await prisma.agentCredential.findMany({
      where: {
        id: { in: credentialIds },
        revokedAt: null,
        OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }],
        agent: { isDisabled: false },
      },
      select: { id: true },
    });
    const stillValid = new Set(usable.map((credential) => credential.id));
    for (const session of sessions) {
      if (stillValid.has(session.credentialId)) continue;
      log(`ending session ${session.sessionId}: credential revoked or agent disabled`);
      session.terminate(
        ClientError.fatal(
          "28000",
          "the agent's credential was revoked or the agent was disabled; the session was ended",
        ),
      );
    }
  };
  const watching = repeatWithoutOverlap(REVOCATION_POLL_MS, tick, {
    onError: (error) => log(`revocation check failed: ${String(error)}`),
  });
  return { stop: watching.stop };
}
