import type { PrismaClient } from "@sluice/db/prisma";
import type { Identity } from "@sluice/policy/verdict";
import { createPrismaReviewStore } from "./review-store";

/** A review's state as its agent reads it from the status URL. */
export type AgentReviewState = "pending" | "approved" | "denied" | "expired" | "abandoned" | "executed";

/** One of the agent's own reviews, as the status URL shows it and the run needs it. */
export type AgentReview = {
  id: string;
  number: number;
  state: AgentReviewState;
  rule: string | null;
  connectionId: string;
  /** The call as reviewers saw it (its body's sensitive values masked). */
  shown: string;
  statementSealed: string | null;
  statementHash: string;
  requestedAt: Date;
  /** Until when a pending review waits for a decision. */
  expiresAt: Date;
  decidedAt: Date | null;
  executedAt: Date | null;
  denial: { by: string; reason: string | null } | null;
  /** Until when an approved review can run (its grant's expiry), null once nothing can run. */
  runnableUntil: Date | null;
};

/** Why an approved call cannot run, with the HTTP status the agent gets. */
export type RunRefusal = { status: 403 | 404 | 409 | 410; message: string };

/**
 * The reviews an agent follows through the HTTP status URL: only its own (another agent's review
 * reads as missing, so review ids reveal nothing), and the approved call's one run.
 */
export class AgentReviews {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly gatewayId: string,
  ) {}

  async find(reviewId: string, agentId: string, now: Date): Promise<AgentReview | null> {
    const review = await this.prisma.review.findFirst({
      where: { id: reviewId, agentId },
      include: {
        rule: { select: { name: true } },
        decisions: { where: { verdict: "DENY" }, include: { user: { select: { email: true } } } },
        grants: { select: { kind: true, expiresAt: true, usedAt: true } },
      },
    });
    if (!review) return null;
    // A spent or expired grant runs nothing; a window grant covers the rule until it ends.
    const usable = review.grants.filter((grant) => grant.usedAt === null && grant.expiresAt > now);
    const runnableUntil =
      review.status === "APPROVED" && usable.length > 0
        ? new Date(Math.max(...usable.map((grant) => grant.expiresAt.getTime())))
        : null;
    const denial = review.decisions[0];
    return {
      id: review.id,
      number: review.number,
      state: stateOf(review.status, review.expiresAt, now),
      rule: review.rule?.name ?? null,
      connectionId: review.connectionId,
      shown: review.statement,
      statementSealed: review.statementSealed,
      statementHash: review.statementHash,
      requestedAt: review.requestedAt,
      expiresAt: review.expiresAt,
      decidedAt: review.decidedAt,
      executedAt: review.executedAt,
      denial: denial ? { by: denial.user.email, reason: denial.reason } : null,
      runnableUntil,
    };
  }

  /** Why this review's call cannot run now, or null when it can (approved, grant unspent and live). */
  refusalToRun(review: AgentReview): RunRefusal | null {
    const name = `review R-${review.number}`;
    switch (review.state) {
      case "pending":
        return { status: 409, message: `${name} is still pending; nothing was run` };
      case "denied":
        return {
          status: 403,
          message: `${name} was denied by ${review.denial?.by ?? "a reviewer"}${review.denial?.reason ? `: ${review.denial.reason}` : ""}; nothing was run`,
        };
      case "expired":
      case "abandoned":
        return { status: 410, message: `${name} ended ${review.state} without approval; nothing was run` };
      case "executed":
        return { status: 409, message: `${name}'s approved call already ran; an approval runs once` };
      case "approved":
        return review.runnableUntil
          ? null
          : { status: 410, message: `${name}'s approval expired before the call ran; ask again` };
    }
  }

  /**
   * Spends the approval for this run, conditionally, so two runs (or a run and a retry of the same
   * call) race for it and one wins: the once-grant is marked used, then the review moves to
   * executed (audited as the agent's). A window grant is not spent: it covers the rule until it ends.
   */
  async claimRun(review: AgentReview, identity: Identity, now: Date): Promise<RunRefusal | null> {
    const once = await this.prisma.reviewGrant.updateMany({
      where: { reviewId: review.id, kind: "ONCE", usedAt: null, expiresAt: { gt: now } },
      data: { usedAt: now },
    });
    if (once.count === 0) {
      const window = await this.prisma.reviewGrant.findFirst({
        where: { reviewId: review.id, kind: "WINDOW", expiresAt: { gt: now } },
        select: { id: true },
      });
      if (!window)
        return { status: 409, message: `review R-${review.number}'s approval was already used or expired` };
    }
    const store = createPrismaReviewStore(this.prisma, this.gatewayId);
    const moved = await store.move(review.id, "execute", now, {
      metadata: { grant: once.count === 1 ? "ONCE" : "WINDOW", via: "status URL" },
      agent: identity,
    });
    return moved ? null : { status: 409, message: `review R-${review.number}'s approved call already ran` };
  }
}

/** A pending review past its deadline is expired for the agent, before any sweep marks the row. */
function stateOf(status: string, expiresAt: Date, now: Date): AgentReviewState {
  if (status === "PENDING") return expiresAt <= now ? "expired" : "pending";
  return status.toLowerCase() as AgentReviewState;
}
