import {
  type WorkloadIdentityInput,
  workloadIdentitiesOverlap,
  workloadIdentityFromColumns,
} from "@sluice/policy/workload-identity";
import type { DbClient } from "./prisma";

/**
 * Serialises the saves that could make two agents accept one token: without it, two transactions
 * could each find no other agent and both commit. Held until the transaction ends.
 */
const WORKLOAD_IDENTITY_LOCK_KEY = 0x5_1c_1d_e7;

/**
 * The other enabled agent that would accept the same workload tokens as this one, or null. Call it
 * inside the transaction that saves the agent: it takes the transaction-scoped lock first, so a
 * concurrent save waits and then sees this one's result.
 */
export async function findOverlappingWorkloadAgent(
  db: DbClient,
  agent: { id: string | null; isDisabled: boolean; workloadIdentity: WorkloadIdentityInput | null },
): Promise<{ id: string; name: string } | null> {
  const identity = agent.workloadIdentity;
  if (agent.isDisabled || !identity) return null;
  await db.$executeRaw`SELECT pg_advisory_xact_lock(${WORKLOAD_IDENTITY_LOCK_KEY}::bigint)`;
  const others = await db.agent.findMany({
    where: {
      isDisabled: false,
      workloadIssuer: identity.issuer,
      workloadSubject: identity.subject,
      ...(agent.id ? { id: { not: agent.id } } : {}),
    },
    orderBy: { name: "asc" },
  });
  for (const other of others) {
    const stored = workloadIdentityFromColumns(other);
    if (stored && workloadIdentitiesOverlap(identity, stored)) return { id: other.id, name: other.name };
  }
  return null;
}
