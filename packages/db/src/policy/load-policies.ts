import type { PrismaClient } from "@sluice/db/prisma";
import { type ConnectionPolicy, parseGuardrail, ZReviewMatch } from "@sluice/policy/rules";

/**
 * Every Postgres connection's policy, read in one pass: rules bound to the connection plus global
 * ones (connectionId null). A rule that does not validate stops the load rather than being skipped.
 */
export type LoadedPolicies = { policies: Map<string, ConnectionPolicy>; upstreamUsers: Map<string, string> };

export async function loadPolicies(prisma: PrismaClient): Promise<LoadedPolicies> {
  const [connections, guardrails, reviews, masking] = await Promise.all([
    prisma.connection.findMany({
      where: { type: "POSTGRES" },
      select: { id: true, name: true, isReadOnly: true, isStrictMasking: true, username: true },
    }),
    prisma.guardrailRule.findMany({ where: { isEnabled: true }, orderBy: { createdAt: "asc" } }),
    prisma.reviewRule.findMany({
      where: { isEnabled: true },
      include: { groups: { include: { group: true } } },
      orderBy: { createdAt: "asc" },
    }),
    prisma.maskingRule.findMany({
      where: { isEnabled: true },
      include: { exemptions: { include: { group: true } } },
      orderBy: { createdAt: "asc" },
    }),
  ]);
  const policies = new Map<string, ConnectionPolicy>();
  const upstreamUsers = new Map<string, string>();
  for (const connection of connections) {
    upstreamUsers.set(connection.id, connection.username);
    const applies = (rule: { connectionId: string | null }) =>
      rule.connectionId === null || rule.connectionId === connection.id;
    policies.set(connection.id, {
      connectionName: connection.name,
      isReadOnly: connection.isReadOnly,
      isStrictMasking: connection.isStrictMasking,
      guardrails: guardrails.filter(applies).map((rule) => parseGuardrail(rule)),
      reviews: reviews.filter(applies).map((rule) => ({
        name: rule.name,
        match: ZReviewMatch.parse(rule.match),
        reviewerGroups: rule.groups.map((link) => link.group.name),
      })),
      masking: masking.filter(applies).map((rule) => ({
        name: rule.name,
        selector: rule.columnSelector,
        detector: rule.detector,
        strategy: rule.strategy,
        keepLast: rule.keepLast,
        exemptGroups: rule.exemptions.map((exemption) => exemption.group.name),
      })),
    });
  }
  return { policies, upstreamUsers };
}
