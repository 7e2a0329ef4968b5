import type { PrismaClient } from "@sluice/db/prisma";
import { type ConnectionPolicy, parseGuardrail, ZReviewMatch } from "@sluice/policy/rules";

/**
 * Every Postgres and MySQL connection's policy (the two data paths share the rule model), read in one pass: rules bound to the connection plus global
 * ones (connectionId null). A rule that does not validate is never skipped: its connection refuses
 * every statement (sluice:invalid-policy) until an admin fixes it.
 */
export type LoadedPolicies = {
  policies: Map<string, ConnectionPolicy>;
  upstreamUsers: Map<string, string>;
  /** Connections whose rules did not validate, with why: each refuses every statement. */
  invalid: string[];
};

export async function loadPolicies(prisma: PrismaClient): Promise<LoadedPolicies> {
  const [connections, guardrails, reviews, masking] = await Promise.all([
    prisma.connection.findMany({
      where: { type: { in: ["POSTGRES", "MYSQL"] } },
      select: { id: true, name: true, isReadOnly: true, isStrictMasking: true, username: true },
    }),
    prisma.guardrailRule.findMany({
      where: { isEnabled: true, kind: { not: "HTTP_REQUEST" } },
      orderBy: { createdAt: "asc" },
    }),
    prisma.reviewRule.findMany({
      where: { isEnabled: true },
      include: { groups: { include: { group: true } } },
      orderBy: { createdAt: "asc" },
    }),
    prisma.maskingRule.findMany({
      where: { isEnabled: true, jsonPointer: null },
      include: { exemptions: { include: { group: true } } },
      orderBy: { createdAt: "asc" },
    }),
  ]);
  const policies = new Map<string, ConnectionPolicy>();
  const invalid: string[] = [];
  const upstreamUsers = new Map<string, string>();
  for (const connection of connections) {
    upstreamUsers.set(connection.id, connection.username);
    const applies = (rule: { connectionId: string | null }) =>
      rule.connectionId === null || rule.connectionId === connection.id;
    let parsedRules: Pick<ConnectionPolicy, "guardrails" | "reviews">;
    try {
      parsedRules = {
        guardrails: guardrails.filter(applies).map((rule) => parseGuardrail(rule)),
        reviews: reviews.filter(applies).map((rule) => parseReviewRule(rule)),
      };
    } catch (error) {
      // One connection's unreadable rule refuses that connection's statements, not the gateway.
      const reason = error instanceof Error ? error.message : String(error);
      invalid.push(`connection ${connection.name}: ${reason}`);
      policies.set(connection.id, {
        connectionName: connection.name,
        isReadOnly: true,
        guardrails: [],
        reviews: [],
        invalidRules: reason,
      });
      continue;
    }
    policies.set(connection.id, {
      connectionName: connection.name,
      isReadOnly: connection.isReadOnly,
      isStrictMasking: connection.isStrictMasking,
      ...parsedRules,
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
  return { policies, upstreamUsers, invalid };
}

function parseReviewRule(rule: { name: string; match: unknown; groups: Array<{ group: { name: string } }> }) {
  const match = ZReviewMatch.safeParse(rule.match);
  if (!match.success) {
    throw new Error(
      `review rule "${rule.name}": ${match.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`,
    );
  }
  return { name: rule.name, match: match.data, reviewerGroups: rule.groups.map((link) => link.group.name) };
}
