/**
 * The review state machine, shared by the gateway's broker and the console's decide-review: which
 * event moves a review from which status, who may cause it, and which audit action records it.
 * Pure: the store applies the move (conditionally on the status it came from).
 */

export type ReviewStatus = "PENDING" | "APPROVED" | "DENIED" | "EXPIRED" | "ABANDONED" | "EXECUTED";

/**
 * - approve / deny: the reviewers' decision is complete (see `judgeDecision`).
 * - expire: the deadline passed without a decision.
 * - abandon: the statement can no longer run — the agent cancelled or disconnected, its gateway shut
 *   down, died or went silent. (A cancelled review is an abandoned one: the statement will not run.)
 * - execute: the approved statement ran, spending its grant.
 */
export type ReviewEvent = "approve" | "deny" | "expire" | "abandon" | "execute";

/** A reviewer decides in the console; the gateway (the system) does the rest. */
export type ReviewActorKind = "reviewer" | "gateway";

export type ReviewMove = {
  from: ReviewStatus;
  to: ReviewStatus;
  by: ReviewActorKind;
  /** The audit event that records the move. */
  action: string;
};

export const REVIEW_MOVES: Readonly<Record<ReviewEvent, ReviewMove>> = {
  approve: { from: "PENDING", to: "APPROVED", by: "reviewer", action: "review.approved" },
  deny: { from: "PENDING", to: "DENIED", by: "reviewer", action: "review.denied" },
  expire: { from: "PENDING", to: "EXPIRED", by: "gateway", action: "review.expired" },
  abandon: { from: "PENDING", to: "ABANDONED", by: "gateway", action: "review.abandoned" },
  execute: { from: "APPROVED", to: "EXECUTED", by: "gateway", action: "review.executed" },
};

export type TransitionResult =
  | { ok: true; move: ReviewMove }
  | { ok: false; code: "conflict" | "forbidden"; message: string };

export type ReviewSnapshot = { number: number; status: ReviewStatus; expiresAt: Date };

/**
 * Whether `event`, caused by `actor` at `now`, may move `review`. A reviewer's decision after the
 * deadline changes nothing, whatever the row says yet (the holder or the sweep marks it expired).
 */
export function transition(
  review: ReviewSnapshot,
  event: ReviewEvent,
  actor: ReviewActorKind,
  now: Date,
): TransitionResult {
  const move = REVIEW_MOVES[event];
  if (move.by !== actor) {
    return { ok: false, code: "forbidden", message: `only the ${move.by} may ${event} a review` };
  }
  if (review.status !== move.from) {
    return {
      ok: false,
      code: "conflict",
      message: `review R-${review.number} is already ${review.status.toLowerCase()}`,
    };
  }
  if (actor === "reviewer" && review.expiresAt <= now) {
    return {
      ok: false,
      code: "conflict",
      message: `review R-${review.number} expired before this decision; nothing will run`,
    };
  }
  return { ok: true, move };
}
