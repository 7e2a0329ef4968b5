import {
  type HttpConnectionPolicy,
  type HttpReviewRule,
  type HttpRule,
  ZHttpRequestMatch,
} from "@sluice/http-policy/rules";
import type { PrismaClient } from "../prisma";

/**
 * Every HTTP connection's policy: HTTP_REQUEST and READ_ONLY guardrails, JSON Pointer and detector
 * masking rules, bound to the connection or global, and review rules bound to it (a review rule's
 * match is an HTTP_REQUEST match). Global SQL rules do not apply to HTTP; a SQL rule bound to an
 * HTTP connection (or an HTTP rule that does not validate) cannot be judged, so the connection
 * refuses every call until an admin fixes it.
 */
export async function loadHttpPolicies(prisma: PrismaClient): Promise<Map<string, HttpConnectionPolicy>> {
  const [connections, guardrails, reviewRules, masking] = await Promise.all([
    prisma.connection.findMany({
      where: { type: "HTTP" },
      select: { id: true, name: true, isReadOnly: true },
    }),
    prisma.guardrailRule.findMany({ where: { isEnabled: true }, orderBy: { createdAt: "asc" } }),
    prisma.reviewRule.findMany({
      where: { isEnabled: true, connection: { type: "HTTP" } },
      include: { groups: { include: { group: true } } },
      orderBy: { createdAt: "asc" },
    }),
    prisma.maskingRule.findMany({
      where: { isEnabled: true },
      include: { exemptions: { include: { group: true } } },
      orderBy: { createdAt: "asc" },
    }),
  ]);
  const policies = new Map<string, HttpConnectionPolicy>();
  for (const connection of connections) {
    const isBound = (rule: { connectionId: string | null }) => rule.connectionId === connection.id;
    const applies = (rule: { connectionId: string | null }) => rule.connectionId === null || isBound(rule);
    const problems: string[] = [];
    const rules: HttpRule[] = [];
    let readOnlyRule: HttpConnectionPolicy["readOnlyRule"];
    for (const rule of guardrails.filter(applies)) {
      if (rule.kind === "READ_ONLY") {
        if (rule.effect === "DENY")
          readOnlyRule = { name: rule.name, ...(rule.message ? { message: rule.message } : {}) };
        continue;
      }
      if (rule.kind !== "HTTP_REQUEST") {
        if (isBound(rule))
          problems.push(
            `guardrail "${rule.name}" is a ${rule.kind} rule, which HTTP calls cannot be judged by`,
          );
        continue;
      }
      const match = ZHttpRequestMatch.safeParse(rule.match);
      if (!match.success) {
        problems.push(
          `guardrail "${rule.name}": ${match.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`,
        );
        continue;
      }
      rules.push({
        name: rule.name,
        effect: rule.effect,
        match: match.data,
        ...(rule.message ? { message: rule.message } : {}),
      });
    }
    const reviews: HttpReviewRule[] = [];
    for (const rule of reviewRules.filter(isBound)) {
      const match = ZHttpRequestMatch.safeParse(rule.match);
      if (!match.success) {
        problems.push(
          `review rule "${rule.name}": ${match.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`,
        );
        continue;
      }
      reviews.push({
        name: rule.name,
        match: match.data,
        reviewerGroups: rule.groups.map((link) => link.group.name),
      });
    }
    const maskingRules = masking.filter(applies).filter((rule) => {
      if (rule.columnSelector === null) return true;
      if (isBound(rule))
        problems.push(`masking rule "${rule.name}" names a column, which HTTP responses do not have`);
      return false;
    });
    policies.set(connection.id, {
      connectionName: connection.name,
      isReadOnly: connection.isReadOnly || readOnlyRule !== undefined,
      ...(readOnlyRule ? { readOnlyRule } : {}),
      rules,
      reviews,
      masking: maskingRules.map((rule) => ({
        name: rule.name,
        pointer: rule.jsonPointer,
        detector: rule.detector,
        strategy: rule.strategy,
        keepLast: rule.keepLast,
        exemptGroups: rule.exemptions.map((exemption) => exemption.group.name),
      })),
      ...(problems.length > 0 ? { invalidRules: problems.join("; ") } : {}),
    });
  }
  return policies;
}
