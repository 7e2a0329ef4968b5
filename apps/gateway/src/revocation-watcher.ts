import type { PrismaClient } from "@sluice/db/prisma";
import { ClientError } from "@sluice/session/client-error";
import type { GatewayServer } from "@sluice/transport/gateway-server";
import { findRevoked, readStillAllowed } from "./revocation-check";

/** Revoking or disabling must end live sessions "within a second": poll at twice that rate. */
export const REVOCATION_POLL_MS = 500;

/**
 * Ends live sessions whose agent was disabled or deleted, whose credential was revoked or expired,
 * or whose connection was disabled, deleted or no longer lists one of the agent's groups. Every
 * gateway process (each worker) watches its own sessions against the store.
 */
export function watchRevocations(prisma: PrismaClient, server: GatewayServer, log: (line: string) => void) {
  let isRunning = false;
  const tick = async () => {
    const sessions = server.sessions();
    if (isRunning || sessions.length === 0) return;
    isRunning = true;
    try {
      const allowed = await readStillAllowed(prisma, sessions);
      for (const { session, reason } of findRevoked(sessions, allowed)) {
        log(`ending session ${session.sessionId}: ${reason}`);
        session.terminate(ClientError.fatal("28000", reason));
      }
    } catch (error) {
      log(`revocation check failed: ${String(error)}`);
    } finally {
      isRunning = false;
    }
  };
  const timer = setInterval(() => void tick(), REVOCATION_POLL_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
