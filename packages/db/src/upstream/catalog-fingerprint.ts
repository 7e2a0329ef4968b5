import { randomBytes } from "node:crypto";
import type pg from "pg";

/**
 * Every catalog table the gateway's catalog read (column-catalog.ts, upstream-code-catalog.ts and
 * the SQL they run) reads. A unit test keeps this list and that SQL in step.
 */
export const FINGERPRINTED_CATALOGS = [
  "pg_amop",
  "pg_amproc",
  "pg_attrdef",
  "pg_attribute",
  "pg_cast",
  "pg_class",
  "pg_constraint",
  "pg_depend",
  "pg_event_trigger",
  "pg_index",
  "pg_inherits",
  "pg_namespace",
  "pg_operator",
  "pg_policy",
  "pg_proc",
  "pg_range",
  "pg_rewrite",
  "pg_trigger",
  "pg_type",
] as const;

/**
 * One value that changes whenever a row of those catalogs does, so a read that finds it unchanged
 * knows the whole catalog read would return what the last one did, without running it (the read
 * costs about 100 ms of the upstream's time on an empty database; this, a few ms).
 *
 * Why it is sound: an INSERT, UPDATE or DELETE of a row of those catalogs (every DDL, GRANT …)
 * leaves a row version with a new (ctid, xmin) pair or takes one away, and VACUUM moves nothing
 * without changing a ctid either. Per catalog, the count of visible row versions and the sum of a
 * 64-bit hash of each pair, seeded with a secret the upstream's users never see, change with the
 * multiset of pairs; equal sums for different multisets need a 64-bit collision under an unknown
 * seed. Freezing keeps the raw xmin (PostgreSQL 9.4 and later), so it changes nothing, as it
 * should. That holds on one server while it runs: after a restart or a failover to a server that
 * lost the last DDL (asynchronous replication), transaction ids are handed out again and an equal
 * sum over different rows is within reach, so the server's identity is part of the value (see
 * `serverIdentitySql`).
 */
export function catalogFingerprintSql(identity: string): string {
  // Unqualified names are pg_catalog's: every catalog reader pins its search_path (pgCatalogReaderConfig).
  const parts = FINGERPRINTED_CATALOGS.map(
    (table) =>
      `(SELECT count(*)::text || ':' || coalesce(sum(hashtextextended(ctid::text || ':' || xmin::text, $1)), 0)::text FROM pg_catalog.${table})`,
  );
  return `SELECT ${parts.join(" || '|' || ")} AS fingerprint, ${identity} AS server`;
}

/**
 * Which server, and which start of it, answers: its postmaster's start time (a restart, or another
 * server behind the same address) and, where the role may call pg_control_system(), the cluster's
 * system identifier (another initdb). PostgreSQL grants both to PUBLIC by default (15 and 18 alike);
 * an administrator may revoke them, and a call the role may not make fails the whole statement
 * even in a branch never taken (the check is made when the plan starts), so only the ones the role
 * may call are asked for. `null`: none; the fingerprint then never matches and every read is whole.
 */
export function serverIdentitySql(privileges: {
  startTime: boolean;
  systemIdentifier: boolean;
}): string | null {
  if (!privileges.startTime) return null;
  const start = "pg_catalog.pg_postmaster_start_time()::text";
  return privileges.systemIdentifier
    ? `${start} || '/' || (SELECT system_identifier::text FROM pg_catalog.pg_control_system())`
    : start;
}

const PRIVILEGES_SQL = `SELECT
  pg_catalog.has_function_privilege('pg_catalog.pg_postmaster_start_time()', 'EXECUTE') AS "startTime",
  pg_catalog.has_function_privilege('pg_catalog.pg_control_system()', 'EXECUTE') AS "systemIdentifier"`;

/** The fingerprint's SQL per set of privileges (four at most), built once. */
const fingerprintSqls = new Map<string | null, string>();

/** A seed per process: the upstream's users cannot aim a change at a collision they cannot compute. */
export function newFingerprintSeed(): string {
  return randomBytes(8).readBigInt64BE().toString();
}

/**
 * The identity SQL each kept connection's role may run, probed once per connection: privileges
 * rarely change, and a call since revoked fails the fingerprint, which drops the connection (the
 * next one probes again), so a stale probe never passes for the server's answer.
 */
const identityOf = new WeakMap<pg.ClientBase, string | null>();

async function identitySqlFor(client: pg.ClientBase): Promise<string | null> {
  if (identityOf.has(client)) return identityOf.get(client) ?? null;
  const { rows } = await client.query<{ startTime: boolean; systemIdentifier: boolean }>(PRIVILEGES_SQL);
  const identity = serverIdentitySql(rows[0] ?? { startTime: false, systemIdentifier: false });
  identityOf.set(client, identity);
  return identity;
}

/**
 * The catalog's fingerprint as the client's current snapshot sees it, with the identity of the
 * server that answered, asked every time: a pooler in front of a failover pair may hand one client
 * connection to another server.
 */
export async function catalogFingerprint(client: pg.ClientBase, seed: string): Promise<string> {
  const identity = await identitySqlFor(client);
  let sql = fingerprintSqls.get(identity);
  if (sql === undefined) {
    sql = catalogFingerprintSql(identity ?? "NULL::text");
    fingerprintSqls.set(identity, sql);
  }
  const { rows } = await client.query<{ fingerprint: string; server: string | null }>(sql, [seed]);
  // Without the server's identity nothing tells a restarted server from the one read before.
  const server = rows[0]?.server ?? `unknown ${randomBytes(16).toString("hex")}`;
  return `${seed}/${server}/${rows[0]?.fingerprint ?? ""}`;
}
