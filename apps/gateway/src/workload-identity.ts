import type { WorkloadIdentity } from "@sluice/session/directory";
import { z } from "zod";

const ZClaims = z.record(z.string().min(1), z.string());

type AgentWorkloadColumns = {
  workloadIssuer: string | null;
  workloadJwksUri: string | null;
  workloadAudience: string | null;
  workloadSubject: string | null;
  workloadClaims: unknown;
  workloadGroupsClaim: string | null;
};

/**
 * The agent's workload identity as the session checks it, or null when none is configured. A
 * partial mapping or unreadable claims map is no mapping: tokens are then refused, never accepted
 * with fewer checks than the admin meant.
 */
export function workloadIdentityOf(agent: AgentWorkloadColumns): WorkloadIdentity | null {
  if (!agent.workloadIssuer || !agent.workloadAudience || !agent.workloadSubject) return null;
  const claims = ZClaims.safeParse(agent.workloadClaims ?? {});
  if (!claims.success) return null;
  return {
    issuer: agent.workloadIssuer,
    jwksUri: agent.workloadJwksUri,
    audience: agent.workloadAudience,
    subject: agent.workloadSubject,
    claims: claims.data,
    groupsClaim: agent.workloadGroupsClaim,
  };
}
