import type { PrismaClient } from "@sluice/db/prisma";
import { repeatWithoutOverlap } from "@sluice/db/scheduling/repeat-without-overlap";
import { ClientError } from "@sluice/session/client-error";
import type { LiveSession } from "@sluice/transport/client-connection";
import { ENDED_ELSEWHERE_REASON, findEndedElsewhere } from "./ended-elsewhere";
import { findRevoked, readStillAllowed } from "./revocation-check";

/** Revoking or disabling must end live sessions "within a second": poll at twice that rate. */
export const REVOCATION_POLL_MS = 500;

/**
 * Ends live sessions whose agent was disabled or deleted, whose credential was revoked or expired,
 * or whose connection was disabled, deleted or no longer lists one of the agent's groups. Every
 * gateway process (each worker) watches its own sessions, Postgres and MySQL, against the store.
 * It also ends the sessions another gateway marked ended while this one was silent (ended-elsewhere.ts).
 */
export function watchRevocations(
  prisma: PrismaClient,
  liveSessions: () => LiveSession[],
  log: (line: string) => void,
) {
  const tick = async () => {
    const sessions = liveSessions();
    if (sessions.length === 0) return;
    const allowed = await readStillAllowed(prisma, sessions);
    for (const { session, reason } of findRevoked(sessions, allowed)) {
      log(`ending session ${session.sessionId}: ${reason}`);
      session.terminate(ClientError.fatal("28000", reason));
    }
    const endedElsewhere = await findEndedElsewhere(
      prisma,
      sessions.map((session) => session.sessionId),
    );
    // A session that ended here while the query ran has its own end in the store by now: only one
    // still live after the answer was ended elsewhere.
    const stillLive = new Set(liveSessions());
    for (const session of sessions) {
      if (!endedElsewhere.has(session.sessionId) || !stillLive.has(session)) continue;
      log(`ending session ${session.sessionId}: another gateway ended it while this one was silent`);
      session.terminate(ClientError.fatal("57P01", ENDED_ELSEWHERE_REASON));
    }
  };
  const watching = repeatWithoutOverlap(REVOCATION_POLL_MS, tick, {
    onError: (error) => log(`revocation check failed: ${String(error)}`),
  });
  return { stop: watching.stop };
}
