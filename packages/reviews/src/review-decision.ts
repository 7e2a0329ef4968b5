import { type ReviewMove, type ReviewSnapshot, transition } from "./review-lifecycle";

/** How long an approve-once grant waits for a non-blocking agent to retry. */
export const ONCE_GRANT_MINUTES = 60;

export type GrantKind = "ONCE" | "WINDOW";

export type DecisionInput = {
  verdict: "APPROVE" | "DENY";
  grantKind: GrantKind;
  windowMinutes: number | null;
};

export type ReviewUnderDecision = ReviewSnapshot & {
  /** null when the rule was deleted since: one approval from anyone who may decide suffices. */
  rule: { mode: "ANY_OF" | "ALL_OF"; minApprovals: number } | null;
  ruleGroups: readonly { name: string; idpGroup: string }[];
  decisions: readonly {
    userId: string;
    verdict: "APPROVE" | "DENY";
    grantKind: GrantKind;
    windowMinutes: number | null;
    /** The IdP groups of the reviewer who made the decision. */
    idpGroups: readonly string[];
  }[];
};

export type Reviewer = { userId: string; idpGroups: readonly string[] };

export type DecisionOutcome =
  | { ok: false; code: "conflict" | "forbidden"; message: string }
  | {
      ok: true;
      /** The move the decision completes; null while more approvals are needed. */
      move: ReviewMove | null;
      /** The grant an approval makes. */
      grant: { kind: GrantKind; minutes: number } | null;
      auditAction: string;
    };

/**
 * Judges a reviewer's decision. Only members of the rule's reviewer groups decide, once each; a deny
 * ends the review; approvals end it once the rule's count is met (any-of: that many from any of the
 * groups; all-of: at least one from every group too).
 */
export function judgeDecision(
  review: ReviewUnderDecision,
  reviewer: Reviewer,
  input: DecisionInput,
  now: Date,
): DecisionOutcome {
  const event = input.verdict === "DENY" ? "deny" : "approve";
  const allowed = transition(review, event, "reviewer", now);
  if (!allowed.ok) return allowed;
  const isMember = review.ruleGroups.some((group) => reviewer.idpGroups.includes(group.idpGroup));
  if (!isMember) {
    const names = review.ruleGroups.map((group) => group.name).join(" or ");
    return {
      ok: false,
      code: "forbidden",
      message: `only members of ${names || "the rule's reviewer groups"} decide review R-${review.number}`,
    };
  }
  if (review.decisions.some((decision) => decision.userId === reviewer.userId)) {
    return { ok: false, code: "conflict", message: "you already decided this review" };
  }
  if (input.verdict === "DENY")
    return { ok: true, move: allowed.move, grant: null, auditAction: "review.denied" };

  const approvals = [
    ...review.decisions.filter((decision) => decision.verdict === "APPROVE"),
    { ...input, idpGroups: reviewer.idpGroups },
  ];
  if (!approvalsSuffice(review, approvals)) {
    return { ok: true, move: null, grant: null, auditAction: "review.approval_recorded" };
  }
  return { ok: true, move: allowed.move, grant: grantOf(approvals), auditAction: "review.approved" };
}

function approvalsSuffice(
  review: ReviewUnderDecision,
  approvals: readonly { idpGroups: readonly string[] }[],
): boolean {
  const needed = review.rule?.minApprovals ?? 1;
  if (approvals.length < needed) return false;
  if (review.rule?.mode !== "ALL_OF") return true;
  return review.ruleGroups.every((group) =>
    approvals.some((approval) => approval.idpGroups.includes(group.idpGroup)),
  );
}

/**
 * The most restrictive choice among the approvers: a window only if every approver chose one, for
 * the shortest window any of them gave.
 */
function grantOf(approvals: readonly { grantKind: GrantKind; windowMinutes: number | null }[]): {
  kind: GrantKind;
  minutes: number;
} {
  const isWindow = approvals.every((approval) => approval.grantKind === "WINDOW");
  if (!isWindow) return { kind: "ONCE", minutes: ONCE_GRANT_MINUTES };
  return { kind: "WINDOW", minutes: Math.min(...approvals.map((approval) => approval.windowMinutes ?? 0)) };
}
