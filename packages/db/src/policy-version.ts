import type { DbClient } from "./prisma";

/** The channel gateways LISTEN on; the payload is the new policy version. */
export const POLICY_CHANNEL = "sluice_policy";

/**
 * Every change to connections, rules or groups calls this in the same transaction, so gateways
 * reload exactly once the change is committed (NOTIFY is delivered on commit).
 */
export async function bumpPolicyVersion(db: DbClient): Promise<number> {
  const rows = await db.$queryRawUnsafe<{ version: number }[]>(
    `INSERT INTO policy_state (id, version, updated_at) VALUES (1, 2, now())
     ON CONFLICT (id) DO UPDATE SET version = policy_state.version + 1, updated_at = now()
     RETURNING version`,
  );
  const version = rows[0]?.version ?? 0;
  await db.$executeRawUnsafe(`SELECT pg_notify('${POLICY_CHANNEL}', $1)`, String(version));
  return version;
}
