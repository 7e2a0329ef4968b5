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
 * should.
 */
export function catalogFingerprintSql(): string {
  // Unqualified names are pg_catalog's: every catalog reader pins its search_path (pgCatalogReaderConfig).
  const parts = FINGERPRINTED_CATALOGS.map(
    (table) =>
      `(SELECT count(*)::text || ':' || coalesce(sum(hashtextextended(ctid::text || ':' || xmin::text, $1)), 0)::text FROM pg_catalog.${table})`,
  );
  return `SELECT ${parts.join(" || '|' || ")} AS fingerprint`;
}

const FINGERPRINT_SQL = catalogFingerprintSql();

/** A seed per process: the upstream's users cannot aim a change at a collision they cannot compute. */
export function newFingerprintSeed(): string {
  return randomBytes(8).readBigInt64BE().toString();
}

/** The catalog's fingerprint as the client's current snapshot sees it. */
export async function catalogFingerprint(client: pg.ClientBase, seed: string): Promise<string> {
  const { rows } = await client.query<{ fingerprint: string }>(FINGERPRINT_SQL, [seed]);
  return `${seed}/${rows[0]?.fingerprint ?? ""}`;
}
