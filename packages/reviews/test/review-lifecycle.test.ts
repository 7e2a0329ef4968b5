import { describe, expect, it } from "vitest";
import { judgeDecision, ONCE_GRANT_MINUTES, type ReviewUnderDecision } from "../src/review-decision";
import { REVIEW_MOVES, type ReviewStatus, transition } from "../src/review-lifecycle";

const NOW = new Date("2026-12-03T12:00:00Z");
const LATER = new Date("2026-12-03T12:10:00Z");

const snapshot = (status: ReviewStatus, expiresAt = LATER) => ({ number: 7, status, expiresAt });

describe("review lifecycle", () => {
  it("moves a pending review to each end a reviewer or the gateway may cause", () => {
    expect(transition(snapshot("PENDING"), "approve", "reviewer", NOW)).toMatchObject({
      ok: true,
      move: { to: "APPROVED" },
    });
    expect(transition(snapshot("PENDING"), "deny", "reviewer", NOW)).toMatchObject({
      ok: true,
      move: { to: "DENIED" },
    });
    expect(transition(snapshot("PENDING"), "expire", "gateway", NOW)).toMatchObject({
      ok: true,
      move: { to: "EXPIRED" },
    });
    expect(transition(snapshot("PENDING"), "abandon", "gateway", NOW)).toMatchObject({
      ok: true,
      move: { to: "ABANDONED" },
    });
    expect(transition(snapshot("APPROVED"), "execute", "gateway", NOW)).toMatchObject({
      ok: true,
      move: { to: "EXECUTED" },
    });
  });

  it("refuses a move from any status but the one it starts from", () => {
    const statuses: ReviewStatus[] = ["PENDING", "APPROVED", "DENIED", "EXPIRED", "ABANDONED", "EXECUTED"];
    for (const [event, move] of Object.entries(REVIEW_MOVES)) {
      for (const status of statuses.filter((candidate) => candidate !== move.from)) {
        const result = transition(snapshot(status), event as keyof typeof REVIEW_MOVES, move.by, NOW);
        expect(result, `${event} from ${status}`).toEqual({
          ok: false,
          code: "conflict",
          message: `review R-7 is already ${status.toLowerCase()}`,
        });
      }
    }
  });

  it("lets only reviewers decide and only the gateway expire, abandon or execute", () => {
    expect(transition(snapshot("PENDING"), "approve", "gateway", NOW)).toMatchObject({
      ok: false,
      code: "forbidden",
    });
    expect(transition(snapshot("PENDING"), "expire", "reviewer", NOW)).toMatchObject({
      ok: false,
      code: "forbidden",
    });
    expect(transition(snapshot("PENDING"), "abandon", "reviewer", NOW)).toMatchObject({
      ok: false,
      code: "forbidden",
    });
    expect(transition(snapshot("APPROVED"), "execute", "reviewer", NOW)).toMatchObject({
      ok: false,
      code: "forbidden",
    });
  });

  it("refuses a reviewer's decision at or past the deadline, while the gateway may still expire it", () => {
    expect(transition(snapshot("PENDING", NOW), "approve", "reviewer", NOW)).toEqual({
      ok: false,
      code: "conflict",
      message: "review R-7 expired before this decision; nothing will run",
    });
    expect(transition(snapshot("PENDING", NOW), "expire", "gateway", NOW)).toMatchObject({ ok: true });
  });
});

const ops = { name: "ops", idpGroup: "idp-ops" };
const dba = { name: "dba", idpGroup: "idp-dba" };

function review(overrides: Partial<ReviewUnderDecision> = {}): ReviewUnderDecision {
  return {
    ...snapshot("PENDING"),
    rule: { mode: "ANY_OF", minApprovals: 1 },
    ruleGroups: [ops, dba],
    decisions: [],
    ...overrides,
  };
}

const approveOnce = { verdict: "APPROVE", grantKind: "ONCE", windowMinutes: null } as const;
const alice = { userId: "alice", idpGroups: ["idp-ops"] };
const bob = { userId: "bob", idpGroups: ["idp-dba"] };

describe("judging a reviewer's decision", () => {
  it("approves with one approval under an any-of rule and makes a once-grant", () => {
    expect(judgeDecision(review(), alice, approveOnce, NOW)).toEqual({
      ok: true,
      move: REVIEW_MOVES.approve,
      grant: { kind: "ONCE", minutes: ONCE_GRANT_MINUTES },
      auditAction: "review.approved",
    });
  });

  it("denies at once, without a grant", () => {
    const outcome = judgeDecision(review(), alice, { ...approveOnce, verdict: "DENY" }, NOW);
    expect(outcome).toEqual({ ok: true, move: REVIEW_MOVES.deny, grant: null, auditAction: "review.denied" });
  });

  it("records an approval that is not yet enough without moving the review", () => {
    const outcome = judgeDecision(
      review({ rule: { mode: "ANY_OF", minApprovals: 2 } }),
      alice,
      approveOnce,
      NOW,
    );
    expect(outcome).toEqual({ ok: true, move: null, grant: null, auditAction: "review.approval_recorded" });
  });

  it("needs every group under an all-of rule, however many approvals there are", () => {
    const allOf = review({
      rule: { mode: "ALL_OF", minApprovals: 1 },
      decisions: [
        {
          userId: "carol",
          verdict: "APPROVE",
          grantKind: "ONCE",
          windowMinutes: null,
          idpGroups: ["idp-ops"],
        },
      ],
    });
    expect(judgeDecision(allOf, alice, approveOnce, NOW)).toMatchObject({ ok: true, move: null });
    expect(judgeDecision(allOf, bob, approveOnce, NOW)).toMatchObject({
      ok: true,
      move: REVIEW_MOVES.approve,
    });
  });

  it("grants the shortest window only when every approver chose a window", () => {
    const earlier = {
      userId: "carol",
      verdict: "APPROVE",
      grantKind: "WINDOW",
      windowMinutes: 30,
      idpGroups: ["idp-ops"],
    } as const;
    const twoNeeded = review({ rule: { mode: "ANY_OF", minApprovals: 2 }, decisions: [earlier] });
    const window = { verdict: "APPROVE", grantKind: "WINDOW", windowMinutes: 90 } as const;
    expect(judgeDecision(twoNeeded, bob, window, NOW)).toMatchObject({
      grant: { kind: "WINDOW", minutes: 30 },
    });
    expect(judgeDecision(twoNeeded, bob, approveOnce, NOW)).toMatchObject({
      grant: { kind: "ONCE", minutes: ONCE_GRANT_MINUTES },
    });
  });

  it("refuses someone outside the rule's groups, naming the groups", () => {
    expect(judgeDecision(review(), { userId: "eve", idpGroups: ["idp-sales"] }, approveOnce, NOW)).toEqual({
      ok: false,
      code: "forbidden",
      message: "only members of ops or dba decide review R-7",
    });
  });

  it("refuses a second decision by the same reviewer", () => {
    const decided = review({
      rule: { mode: "ANY_OF", minApprovals: 2 },
      decisions: [
        {
          userId: "alice",
          verdict: "APPROVE",
          grantKind: "ONCE",
          windowMinutes: null,
          idpGroups: ["idp-ops"],
        },
      ],
    });
    expect(judgeDecision(decided, alice, approveOnce, NOW)).toEqual({
      ok: false,
      code: "conflict",
      message: "you already decided this review",
    });
  });

  it("refuses a decision on a review that already ended or expired", () => {
    expect(judgeDecision(review({ status: "DENIED" }), alice, approveOnce, NOW)).toMatchObject({
      ok: false,
      code: "conflict",
    });
    expect(judgeDecision(review({ expiresAt: NOW }), alice, approveOnce, NOW)).toMatchObject({
      ok: false,
      message: "review R-7 expired before this decision; nothing will run",
    });
  });
});
