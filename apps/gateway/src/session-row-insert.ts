import type { StoreStatements } from "@sluice/db/store-statements";
import { pooledRandomBytes } from "@sluice/secrets/random-pool";

/** What a session's row holds from its start: the rest is written when it ends. */
export type SessionRowStart = {
  agentId: string;
  connectionId: string;
  gatewayId: string;
  clientAddress: string;
  isTls: boolean;
  agentGroups: string[];
};

/**
 * The session row's INSERT (prisma/schema.prisma's @map names), prepared once per store connection.
 * started_at is the gateway's clock, as Prisma's create sent it (the column's CURRENT_TIMESTAMP
 * default would be the store session's local time, not UTC); the counters keep their defaults.
 */
const SESSION_INSERT = {
  name: "sluice-session-insert",
  text: `INSERT INTO gateway_sessions (id, agent_id, connection_id, gateway_id, client_address, is_tls, agent_groups, started_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7::text[], $8::timestamp(3))`,
};

/**
 * Writes the row a login waits on after the proof (audit first), and returns its id. One prepared
 * statement: Prisma's `gatewaySession.create` spent about four times its CPU, most of it in the
 * query compiler and interpreter (bench/session-insert-cost.ts), on every connect.
 */
export async function insertSessionRow(statements: StoreStatements, row: SessionRowStart): Promise<string> {
  const id = newSessionId();
  await statements.query(SESSION_INSERT, [
    id,
    row.agentId,
    row.connectionId,
    row.gatewayId,
    row.clientAddress,
    row.isTls,
    row.agentGroups,
    // Prisma keeps DateTime as UTC wall time in `timestamp(3)`: the same text it would send.
    new Date().toISOString().replace("T", " ").replace("Z", ""),
  ]);
  return id;
}

/** Ids one process makes in one millisecond before the counter wraps (36^4). */
const COUNTER_SPAN = 36 ** 4;
let counter = 0;

/**
 * An id of the shape Prisma's `@default(cuid())` gives: "c" and 24 characters of [0-9a-z] —
 * milliseconds since the epoch, a per-process counter, and 62 random bits (12 base-36 digits), so
 * ids made in the same millisecond by two gateway processes differ too.
 */
export function newSessionId(): string {
  counter = (counter + 1) % COUNTER_SPAN;
  const time = Date.now().toString(36).padStart(8, "0");
  const count = counter.toString(36).padStart(4, "0");
  const random = BigInt(`0x${pooledRandomBytes(8).toString("hex")}`)
    .toString(36)
    .padStart(13, "0")
    .slice(-12);
  return `c${time}${count}${random}`;
}
