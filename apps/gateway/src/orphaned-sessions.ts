import { hostname } from "node:os";
import type { PrismaClient } from "@sluice/db/prisma";
import { type Repeating, repeatWithoutOverlap } from "@sluice/db/scheduling/repeat-without-overlap";
import {
  HOLDER_SILENCE_MS,
  isGoneFromThisHost,
  isProcessAlive,
  type ThisProcess,
} from "@sluice/reviews/gateway-liveness";

/** How often a gateway looks for sessions a dead gateway process left open. */
export const ORPHAN_SWEEP_MS = 10_000;

/**
 * What an orphaned session's row says: the process serving it died (killed, crashed, its host lost)
 * before it could end the session, so the recording has no end anchor and may be missing up to the
 * last flush (RECORDING_FLUSH_MS) of what the agent received.
 */
export const ORPHANED_END_REASON =
  "the gateway process serving this session stopped without ending it; the recording is incomplete (its last second may be missing)";

/**
 * Ends the sessions that a gateway process which no longer runs left open: on this host, processes
 * that are gone (a killed cluster worker, known at once); anywhere, gateways whose heartbeat has
 * been silent for HOLDER_SILENCE_MS. Without this they would stay "live" in the console forever,
 * their recordings looking whole. Returns how many were ended.
 */
export async function endOrphanedSessions(
  prisma: PrismaClient,
  ownGatewayId: string,
  self: ThisProcess = { host: hostname(), pid: process.pid, isAlive: isProcessAlive },
): Promise<number> {
  const local = await prisma.gatewaySession.findMany({
    where: { endedAt: null, gatewayId: { startsWith: `${self.host}:` } },
    select: { gatewayId: true },
    distinct: ["gatewayId"],
  });
  const goneHere = local
    .map((session) => session.gatewayId)
    .filter((gatewayId) => isGoneFromThisHost(gatewayId, ownGatewayId, self));
  const silent = await prisma.$queryRaw<{ gateway_id: string }[]>`
    SELECT DISTINCT s.gateway_id FROM gateway_sessions s
    JOIN gateway_heartbeats h ON h.gateway_id = s.gateway_id
    WHERE s.ended_at IS NULL AND s.gateway_id <> ${ownGatewayId}
      AND h.seen_at <= now() - make_interval(secs => ${HOLDER_SILENCE_MS / 1000})`;
  const gone = [...new Set([...goneHere, ...silent.map((row) => row.gateway_id)])];
  if (gone.length === 0) return 0;
  const { count } = await prisma.gatewaySession.updateMany({
    where: { endedAt: null, gatewayId: { in: gone } },
    data: { endedAt: new Date(), endReason: ORPHANED_END_REASON },
  });
  return count;
}

/** Sweeps at start (a replacement worker ends what its predecessor left) and every ORPHAN_SWEEP_MS. */
export function scheduleOrphanSweep(
  prisma: PrismaClient,
  gatewayId: string,
  log: (line: string) => void,
): Repeating {
  const sweeping = repeatWithoutOverlap(
    ORPHAN_SWEEP_MS,
    async () => {
      const count = await endOrphanedSessions(prisma, gatewayId);
      if (count > 0) log(`ended ${count} sessions left open by a gateway process that is gone`);
    },
    { onError: (error) => log(`orphaned session sweep failed: ${String(error)}`) },
  );
  void sweeping.runNow();
  return sweeping;
}
