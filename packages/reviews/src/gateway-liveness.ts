import type { PrismaClient } from "@sluice/db/prisma";
import type pg from "pg";

/** How often this gateway tells the store it is alive. */
export const HEARTBEAT_MS = 5000;
/**
 * A gateway silent this long (its host died, hung or lost the store) holds nothing that can still be
 * released: the other gateways abandon its blocking reviews, so a late approval changes nothing.
 */
export const HOLDER_SILENCE_MS = 30_000;
/** Heartbeats of gateways gone this long are deleted. */
const HEARTBEAT_RETENTION = "1 day";
/** Reviews abandoned per poll; the next poll takes the rest. */
const ABANDON_BATCH = 100;

export type HeldReview = { id: string; gatewayId: string };

/** Cluster liveness in the store: heartbeats by the store's clock (hosts' clocks may disagree). */
export type LivenessStore = {
  beat: (gatewayId: string) => Promise<void>;
  forget: (gatewayId: string) => Promise<void>;
  /** Pending blocking reviews held by another gateway whose heartbeat is older than `silenceMs`. */
  silentHolders: (exceptGatewayId: string, silenceMs: number) => Promise<HeldReview[]>;
  /** Pending blocking reviews held by gateway processes whose id starts with `prefix` (`host:`). */
  heldWithPrefix: (prefix: string) => Promise<HeldReview[]>;
};

/**
 * `dedicated` is the LISTEN connection when there is one: it carries nothing else, so a heartbeat
 * there never queues behind the gateway's other store traffic. Without it, the shared pool.
 */
export function createPrismaLivenessStore(
  prisma: PrismaClient,
  dedicated: () => pg.Client | null,
): LivenessStore {
  return {
    async beat(gatewayId) {
      const upsert = `INSERT INTO gateway_heartbeats (gateway_id, seen_at) VALUES ($1, now())
        ON CONFLICT (gateway_id) DO UPDATE SET seen_at = now()`;
      const connection = dedicated();
      if (connection) await connection.query(upsert, [gatewayId]);
      else await prisma.$executeRawUnsafe(upsert, gatewayId);
      await prisma.$executeRaw`
        DELETE FROM gateway_heartbeats WHERE seen_at < now() - ${HEARTBEAT_RETENTION}::interval`;
    },
    async forget(gatewayId) {
      await prisma.gatewayHeartbeat.deleteMany({ where: { gatewayId } });
    },
    async silentHolders(exceptGatewayId, silenceMs) {
      // A holder with no heartbeat at all is a gateway from before heartbeats (a rolling upgrade),
      // left to expiry.
      const rows = await prisma.$queryRaw<{ id: string; gateway_id: string }[]>`
        SELECT r.id, r.gateway_id FROM reviews r
        WHERE r.status = 'PENDING' AND r.is_blocking AND r.gateway_id IS NOT NULL
          AND r.gateway_id <> ${exceptGatewayId}
          AND EXISTS (
            SELECT 1 FROM gateway_heartbeats h
            WHERE h.gateway_id = r.gateway_id AND h.seen_at <= now() - make_interval(secs => ${silenceMs / 1000})
          )
        LIMIT ${ABANDON_BATCH}`;
      return rows.map((row) => ({ id: row.id, gatewayId: row.gateway_id }));
    },
    async heldWithPrefix(prefix) {
      const rows = await prisma.review.findMany({
        where: { status: "PENDING", isBlocking: true, gatewayId: { startsWith: prefix } },
        select: { id: true, gatewayId: true },
      });
      return rows.map((row) => ({ id: row.id, gatewayId: row.gatewayId ?? "" }));
    },
  };
}

export type ThisProcess = { host: string; pid: number; isAlive: (pid: number) => boolean };

/**
 * Whether the gateway process `holderId` (`host:pid:nonce`; ids from before the nonce are
 * `host:pid`) on this host is gone. The same pid as this process under another id is a predecessor
 * (a container restarted in place gets pid 1 again): gone, whatever isAlive says.
 */
export function isGoneFromThisHost(holderId: string, ownId: string, self: ThisProcess): boolean {
  const prefix = `${self.host}:`;
  if (!holderId.startsWith(prefix) || holderId === ownId) return false;
  const pid = Number(holderId.slice(prefix.length).split(":")[0]);
  return pid === self.pid || !self.isAlive(pid);
}

/** Whether a process with this pid exists (EPERM: it does, under another user). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
