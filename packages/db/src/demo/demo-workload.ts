import type { PrismaClient } from "../prisma";

/** The demo's agent with no static secret: it signs in with the local provider's workload tokens. */
export const DEMO_WORKLOAD_AGENT = "demo-workload-agent";
/** Its workload at the local provider (client credentials): the tokens' `sub`. */
export const DEMO_WORKLOAD_CLIENT = "demo-workload";
/** The audience its tokens are issued for, and its mapping expects. */
export const DEMO_WORKLOAD_AUDIENCE = "urn:sluice:gateway";
/** The group its tokens carry (the demo connection's): the agent itself is in none. */
export const DEMO_WORKLOAD_GROUPS = ["analysts"] as const;

/**
 * Creates the demo's workload agent, or points its mapping at the local provider's issuer as it runs
 * now (its port may differ from the last start). An admin who changed the mapping's subject made it
 * theirs: it is then left alone.
 */
export async function ensureDemoWorkloadAgent(prisma: PrismaClient, issuer: string): Promise<void> {
  const existing = await prisma.agent.findUnique({ where: { name: DEMO_WORKLOAD_AGENT } });
  if (existing && existing.workloadSubject !== DEMO_WORKLOAD_CLIENT) return;
  const mapping = {
    workloadIssuer: issuer,
    workloadAudience: DEMO_WORKLOAD_AUDIENCE,
    workloadSubject: DEMO_WORKLOAD_CLIENT,
    workloadGroupsClaim: "groups",
  };
  if (existing) {
    if (existing.workloadIssuer !== issuer)
      await prisma.agent.update({ where: { id: existing.id }, data: mapping });
    return;
  }
  await prisma.agent.create({
    data: {
      name: DEMO_WORKLOAD_AGENT,
      description: "Demo: signs in with a short-lived token from the local OpenID provider, no static secret",
      workloadClaims: {},
      ...mapping,
    },
  });
}
