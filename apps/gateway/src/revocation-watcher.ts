import type { PrismaClient } from "@sluice/db/prisma";
import { repeatWithoutOverlap } from "@sluice/db/scheduling/repeat-without-overlap";
import { ClientError } from "@sluice/session/client-error";
import type { LiveSession } from "@sluice/transport/client-connection";
import { ENDED_ELSEWHERE_REASON } from "./ended-elsewhere";
import { findRevoked } from "./revocation-check";
import { readRevocationFacts } from "./revocation-query";

/** Revoking or disabling must end live sessions "within a second": poll at twice that rate. */
export const REVOCATION_POLL_MS = 500;

/** The wire gateway's sessions: Postgres and MySQL (the HTTP path watches its own calls). */
const WATCHED_TYPES = ["POSTGRES", "MYSQL"] as const;

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
    // One query: what is still allowed, and which sessions the store says have ended.
    const { allowed, ended: endedElsewhere } = await readRevocationFacts(
      prisma,
      sessions,
      WATCHED_TYPES,
      sessions.map((session) => session.sessionId),
    );
    for (const { session, reason } of findRevoked(sessions, allowed)) {
      log(`ending session ${session.sessionId}: ${reason}`);
      session.terminate(ClientError.fatal("28000", reason));
    }
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
