import type { AdminContext } from "./actor";
import { AdminError } from "./admin-error";
import { assertCan, can } from "./permissions";

/** A review as its page shows it: the statement, what it touches, the masking, who asked, decisions. */
export async function getReview(context: AdminContext, options: { id: string }) {
  assertCan(context.actor, "reviews:read");
  const review = await context.db.review.findUnique({
    where: { id: options.id },
    include: {
      agent: { select: { name: true } },
      connection: { select: { name: true } },
      rule: { include: { groups: { include: { group: true } } } },
      decisions: { orderBy: { createdAt: "asc" }, include: { user: { select: { email: true, id: true } } } },
      grants: { select: { kind: true, expiresAt: true, usedAt: true } },
    },
  });
  if (!review) throw new AdminError("not_found", "no such review");
  const me = await context.db.user.findUnique({
    where: { id: context.actor.userId },
    select: { idpGroups: true },
  });
  const ruleGroups = review.rule?.groups.map((link) => link.group) ?? [];
  const isMember = ruleGroups.some((group) => me?.idpGroups.includes(group.idpGroup));
  return {
    id: review.id,
    number: review.number,
    status: review.status,
    statement: review.statement,
    facts: review.facts,
    maskingPlan: review.maskingPlan,
    isBlocking: review.isBlocking,
    requestedAt: review.requestedAt,
    expiresAt: review.expiresAt,
    decidedAt: review.decidedAt,
    executedAt: review.executedAt,
    agentName: review.agent.name,
    connectionName: review.connection.name,
    rule: review.rule
      ? {
          name: review.rule.name,
          mode: review.rule.mode,
          minApprovals: review.rule.minApprovals,
          reviewerGroups: ruleGroups.map((group) => group.name),
        }
      : null,
    decisions: review.decisions.map((decision) => ({
      reviewer: decision.user.email,
      verdict: decision.verdict,
      reason: decision.reason,
      grantKind: decision.grantKind,
      windowMinutes: decision.windowMinutes,
      at: decision.createdAt,
    })),
    grants: review.grants,
    canDecide:
      can(context.actor, "reviews:decide") &&
      isMember &&
      review.status === "PENDING" &&
      !review.decisions.some((decision) => decision.user.id === context.actor.userId),
  };
}
