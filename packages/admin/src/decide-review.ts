import { notifyReviewDecided } from "@sluice/db/review-events";
import { judgeDecision } from "@sluice/reviews/review-decision";
import { z } from "zod";
import type { AdminContext } from "./actor";
import { AdminError, parseInput } from "./admin-error";
import { assertCan } from "./permissions";
import { recordAudit } from "./record-audit";

export const ZReviewDecision = z
  .object({
    verdict: z.enum(["APPROVE", "DENY"]),
    reason: z.string().trim().max(1000).optional().nullable(),
    /** ONCE: this statement, one execution. WINDOW: this agent, this rule, this connection, N minutes. */
    grantKind: z.enum(["ONCE", "WINDOW"]).default("ONCE"),
    windowMinutes: z.coerce
      .number()
      .int()
      .min(1, "1 to 1440 minutes")
      .max(1440, "1 to 1440 minutes")
      .optional()
      .nullable(),
  })
  .refine((decision) => decision.verdict !== "DENY" || Boolean(decision.reason), {
    message: "say why: the agent is shown the reason",
    path: ["reason"],
  })
  .refine(
    (decision) =>
      decision.verdict !== "APPROVE" || decision.grantKind !== "WINDOW" || Boolean(decision.windowMinutes),
    {
      message: "how many minutes the window stays open",
      path: ["windowMinutes"],
    },
  );

/**
 * Records a reviewer's decision, judged by the shared review lifecycle (`judgeDecision`: who may
 * decide, when approvals suffice, which grant they make). An approval makes the grant, and every
 * gateway hears of the decision (NOTIFY); the one holding the statement runs it.
 */
export async function decideReview(context: AdminContext, options: { reviewId: string; input: unknown }) {
  assertCan(context.actor, "reviews:decide");
  const input = parseInput(ZReviewDecision, options.input);
  const user = await context.db.user.findUnique({ where: { id: context.actor.userId } });
  if (!user) throw new AdminError("forbidden", "unknown reviewer");
  return context.db.$transaction(async (db) => {
    // Row lock: two reviewers deciding at once see each other's decision.
    await db.$queryRawUnsafe("SELECT 1 FROM reviews WHERE id = $1 FOR UPDATE", options.reviewId);
    const review = await db.review.findUnique({
      where: { id: options.reviewId },
      include: {
        rule: { include: { groups: { include: { group: true } } } },
        decisions: { include: { user: true } },
      },
    });
    if (!review) throw new AdminError("not_found", "no such review");
    const now = new Date();
    const outcome = judgeDecision(
      {
        number: review.number,
        status: review.status,
        expiresAt: review.expiresAt,
        rule: review.rule,
        ruleGroups: review.rule?.groups.map((link) => link.group) ?? [],
        decisions: review.decisions.map((decision) => ({ ...decision, idpGroups: decision.user.idpGroups })),
      },
      { userId: user.id, idpGroups: user.idpGroups },
      { verdict: input.verdict, grantKind: input.grantKind, windowMinutes: input.windowMinutes ?? null },
      now,
    );
    if (!outcome.ok) throw new AdminError(outcome.code, outcome.message);
    await db.reviewDecision.create({
      data: {
        reviewId: review.id,
        userId: user.id,
        verdict: input.verdict,
        reason: input.reason || null,
        grantKind: input.grantKind,
        windowMinutes: input.grantKind === "WINDOW" ? (input.windowMinutes ?? null) : null,
      },
    });
    const status = outcome.move?.to ?? "PENDING";
    if (outcome.move) {
      await db.review.update({ where: { id: review.id }, data: { status, decidedAt: now } });
    }
    if (outcome.grant) {
      await db.reviewGrant.create({
        data: {
          kind: outcome.grant.kind,
          reviewId: review.id,
          agentId: review.agentId,
          connectionId: review.connectionId,
          ruleId: review.ruleId,
          statementHash: outcome.grant.kind === "ONCE" ? review.statementHash : null,
          expiresAt: new Date(now.getTime() + outcome.grant.minutes * 60_000),
        },
      });
    }
    await recordAudit(db, context.actor, {
      action: outcome.auditAction,
      targetType: "review",
      targetId: review.id,
      after: {
        number: review.number,
        verdict: input.verdict,
        reason: input.reason ?? null,
        grantKind: input.grantKind,
        windowMinutes: input.windowMinutes ?? null,
      },
      ...(review.sessionId ? { metadata: { sessionId: review.sessionId } } : {}),
    });
    if (outcome.move) await notifyReviewDecided(db, review.id);
    return { id: review.id, number: review.number, status };
  });
}
