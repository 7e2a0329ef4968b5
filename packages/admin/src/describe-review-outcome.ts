import type { AdminContext } from "./actor";

/** What a decision point asked the review broker, on either data path. */
export type ReviewAsked = {
  rule: string;
  connectionId: string;
  reviewerGroups: readonly string[];
  message: string;
  /** Tables (SQL) masked once the statement runs; none for HTTP, whose masking is by field. */
  maskedTables: readonly string[];
};

/**
 * What the gateway's review broker makes of a review verdict: allow under the agent's approval
 * window for the rule; refused when the rule is gone; otherwise a hold (blocking rules) or a
 * refusal that files a review (non-blocking ones). A once-grant for the exact statement is not
 * looked at: trying a statement must not spend it.
 */
export async function describeReviewOutcome(
  context: AdminContext,
  request: ReviewAsked,
  agentId: string | null,
) {
  const { connectionId } = request;
  const rules = await context.db.reviewRule.findMany({
    where: { name: request.rule, isEnabled: true, OR: [{ connectionId }, { connectionId: null }] },
  });
  const rule = rules.find((candidate) => candidate.connectionId === connectionId) ?? rules[0];
  if (!rule) {
    return {
      kind: "deny" as const,
      rule: request.rule,
      message: `review rule "${request.rule}" is no longer configured; try again`,
      hint: null,
    };
  }
  const window = agentId
    ? await context.db.reviewGrant.findFirst({
        where: { kind: "WINDOW", agentId, connectionId, ruleId: rule.id, expiresAt: { gt: new Date() } },
        include: { review: { select: { number: true } } },
      })
    : null;
  const maskedTables = [...new Set(request.maskedTables)];
  if (window) {
    return {
      kind: "allow" as const,
      maskedTables,
      note: `runs under the approval window of review R-${window.review.number} (rule "${rule.name}")`,
    };
  }
  return {
    kind: "hold" as const,
    rule: request.rule,
    reviewerGroups: [...request.reviewerGroups],
    isBlocking: rule.isBlocking,
    timeoutSeconds: rule.timeoutSeconds,
    message: request.message,
    maskedTables,
  };
}
