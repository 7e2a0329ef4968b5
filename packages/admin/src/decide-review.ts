import { notifyReviewDecided } from "@sluice/db/review-events";
import { z } from "zod";
import type { AdminContext } from "./actor";
import { AdminError, parseInput } from "./admin-error";
import { assertCan } from "./permissions";
import { recordAudit } from "./record-audit";

/** How long an approve-once grant waits for a non-blocking agent to retry. */
export const ONCE_GRANT_MINUTES = 60;

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
 * Records a reviewer's decision. Only members of the rule's reviewer groups decide, once each; a
 * deny (with its reason) ends the review; approvals end it once the rule's count is met (any-of:
 * that many from any of the groups; all-of: at least one from every group too). An approval makes
 * the grant, and every gateway hears of the decision (NOTIFY); the one holding the statement runs it.
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
    if (review.status !== "PENDING")
      throw new AdminError("conflict", `review R-${review.number} is already ${review.status.toLowerCase()}`);
    // Past its deadline it is expired whatever the row says yet (the holding gateway or the sweep
    // marks it): a late decision changes nothing.
    if (review.expiresAt <= new Date()) {
      throw new AdminError(
        "conflict",
        `review R-${review.number} expired before this decision; nothing will run`,
      );
    }
    const ruleGroups = review.rule?.groups.map((link) => link.group) ?? [];
    const myGroups = ruleGroups.filter((group) => user.idpGroups.includes(group.idpGroup));
    if (myGroups.length === 0) {
      throw new AdminError(
        "forbidden",
        `only members of ${ruleGroups.map((group) => group.name).join(" or ") || "the rule's reviewer groups"} decide review R-${review.number}`,
      );
    }
    if (review.decisions.some((decision) => decision.userId === user.id)) {
      throw new AdminError("conflict", "you already decided this review");
    }
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
    const approvals = [
      ...review.decisions.filter((decision) => decision.verdict === "APPROVE"),
      ...(input.verdict === "APPROVE" ? [{ user }] : []),
    ];
    const isDenied = input.verdict === "DENY";
    const isApproved =
      !isDenied &&
      approvalsSuffice(
        review.rule,
        ruleGroups,
        approvals.map((approval) => approval.user.idpGroups),
      );
    const now = new Date();
    if (isDenied || isApproved) {
      await db.review.update({
        where: { id: review.id },
        data: { status: isDenied ? "DENIED" : "APPROVED", decidedAt: now },
      });
    }
    if (isApproved) {
      // The most restrictive choice among the approvers: a window only if every approver chose one,
      // for the shortest window any of them gave.
      const choices = [
        ...review.decisions
          .filter((decision) => decision.verdict === "APPROVE")
          .map((decision) => ({ kind: decision.grantKind, minutes: decision.windowMinutes })),
        { kind: input.grantKind, minutes: input.windowMinutes ?? null },
      ];
      const grantKind = choices.every((choice) => choice.kind === "WINDOW") ? "WINDOW" : "ONCE";
      const minutes =
        grantKind === "WINDOW"
          ? Math.min(...choices.map((choice) => choice.minutes ?? 0))
          : ONCE_GRANT_MINUTES;
      await db.reviewGrant.create({
        data: {
          kind: grantKind,
          reviewId: review.id,
          agentId: review.agentId,
          connectionId: review.connectionId,
          ruleId: review.ruleId,
          statementHash: grantKind === "ONCE" ? review.statementHash : null,
          expiresAt: new Date(now.getTime() + minutes * 60_000),
        },
      });
    }
    await recordAudit(db, context.actor, {
      action: isDenied ? "review.denied" : isApproved ? "review.approved" : "review.approval_recorded",
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
    if (isDenied || isApproved) await notifyReviewDecided(db, review.id);
    return {
      id: review.id,
      number: review.number,
      status: isDenied ? "DENIED" : isApproved ? "APPROVED" : "PENDING",
    };
  });
}

function approvalsSuffice(
  rule: { mode: "ANY_OF" | "ALL_OF"; minApprovals: number } | null,
  groups: { idpGroup: string }[],
  approverGroups: string[][],
): boolean {
  const needed = rule?.minApprovals ?? 1;
  if (approverGroups.length < needed) return false;
  if (rule?.mode !== "ALL_OF") return true;
  return groups.every((group) => approverGroups.some((idpGroups) => idpGroups.includes(group.idpGroup)));
}
