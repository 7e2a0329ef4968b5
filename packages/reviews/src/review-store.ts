import type { PrismaClient } from "@sluice/db/prisma";
import type { Identity } from "@sluice/policy/verdict";
import { REVIEW_MOVES, type ReviewEvent } from "./review-lifecycle";

export type ReviewRule = { id: string; timeoutSeconds: number; isBlocking: boolean };
export type StoredReview = { id: string; number: number; expiresAt: Date };

export type NewReview = {
  identity: Identity;
  ruleId: string;
  statement: string;
  /** The exact text sealed (an HTTP call), when `statement` is a masked copy of it. */
  statementSealed: string | null;
  statementHash: string;
  facts: Record<string, unknown>;
  maskedTables: readonly string[];
  isBlocking: boolean;
  /** The holding gateway, for a blocking review. */
  gatewayId: string | null;
  expiresAt: Date;
};

/** A decided review as the holder needs it to release or refuse its statement. */
export type DecidedReview = {
  number: number;
  status: string;
  approvers: string[];
  denial: { by: string | null; reason: string | null } | null;
  hasWindow: boolean;
};

/** Who reads the agent audit rows: the agent whose statement it was, in its session. */
export type AgentAudit = {
  action: string;
  reviewId: string;
  identity: Identity;
  metadata: Record<string, unknown>;
};

/**
 * Everything the broker reads and writes, so the broker itself is store-free (unit tests give it a
 * fake). Moves are conditional on the status the lifecycle moves from: false when someone else
 * moved the review first. A move writes its own audit row, in the same transaction.
 */
export type ReviewStore = {
  findRule: (connectionId: string, name: string) => Promise<ReviewRule | null>;
  findWindowGrant: (
    where: GrantLookup & { ruleId: string },
  ) => Promise<{ reviewId: string; number: number } | null>;
  findOnceGrant: (
    where: GrantLookup & { statementHash: string },
  ) => Promise<{ id: string; reviewId: string } | null>;
  /** Marks an unused grant used; false when another session spent it first. */
  claimGrant: (grantId: string, now: Date) => Promise<boolean>;
  /** Spends the once-grant an approval made for this review; false when it was already spent. */
  claimOnceGrantOf: (reviewId: string, now: Date) => Promise<boolean>;
  findPendingNonBlocking: (where: GrantLookup & { statementHash: string }) => Promise<StoredReview | null>;
  createReview: (review: NewReview) => Promise<StoredReview>;
  readDecided: (reviewId: string) => Promise<DecidedReview | null>;
  /** Of these reviews, the ones no longer pending. */
  decidedAmong: (reviewIds: readonly string[]) => Promise<string[]>;
  /** Pending non-blocking reviews past their deadline (they have no holder to expire them). */
  staleNonBlocking: (now: Date, limit: number) => Promise<string[]>;
  move: (reviewId: string, event: ReviewEvent, now: Date, audit: MoveAudit) => Promise<boolean>;
  auditAgent: (audit: AgentAudit) => Promise<void>;
};

/** The audit row a move writes: the system's (this gateway), or the agent's whose retry caused it. */
export type MoveAudit = { metadata: Record<string, unknown>; agent?: Identity };

export type GrantLookup = { agentId: string; connectionId: string; now: Date };

/** The review store over Prisma; system audit rows are signed with this gateway's id. */
export function createPrismaReviewStore(prisma: PrismaClient, gatewayId: string): ReviewStore {
  return {
    async findRule(connectionId, name) {
      const rules = await prisma.reviewRule.findMany({
        where: { name, isEnabled: true, OR: [{ connectionId }, { connectionId: null }] },
      });
      return rules.find((rule) => rule.connectionId === connectionId) ?? rules[0] ?? null;
    },
    async findWindowGrant({ agentId, connectionId, ruleId, now }) {
      const grant = await prisma.reviewGrant.findFirst({
        where: { kind: "WINDOW", agentId, connectionId, ruleId, expiresAt: { gt: now } },
        include: { review: { select: { number: true } } },
      });
      return grant ? { reviewId: grant.reviewId, number: grant.review.number } : null;
    },
    async findOnceGrant({ agentId, connectionId, statementHash, now }) {
      return prisma.reviewGrant.findFirst({
        where: { kind: "ONCE", agentId, connectionId, statementHash, usedAt: null, expiresAt: { gt: now } },
        select: { id: true, reviewId: true },
      });
    },
    async claimGrant(grantId, now) {
      const claimed = await prisma.reviewGrant.updateMany({
        where: { id: grantId, usedAt: null },
        data: { usedAt: now },
      });
      return claimed.count === 1;
    },
    async claimOnceGrantOf(reviewId, now) {
      const claimed = await prisma.reviewGrant.updateMany({
        where: { reviewId, kind: "ONCE", usedAt: null },
        data: { usedAt: now },
      });
      return claimed.count === 1;
    },
    async findPendingNonBlocking({ agentId, connectionId, statementHash, now }) {
      return prisma.review.findFirst({
        where: { agentId, connectionId, statementHash, status: "PENDING", expiresAt: { gt: now } },
        select: { id: true, number: true, expiresAt: true },
      });
    },
    async createReview(review) {
      return prisma.review.create({
        data: {
          agentId: review.identity.agentId,
          connectionId: review.identity.connectionId,
          sessionId: review.identity.sessionId,
          ruleId: review.ruleId,
          statement: review.statement,
          statementSealed: review.statementSealed,
          statementHash: review.statementHash,
          facts: review.facts as object,
          maskingPlan: { maskedTables: [...review.maskedTables] },
          isBlocking: review.isBlocking,
          gatewayId: review.gatewayId,
          expiresAt: review.expiresAt,
        },
        select: { id: true, number: true, expiresAt: true },
      });
    },
    async readDecided(reviewId) {
      const review = await prisma.review.findUnique({
        where: { id: reviewId },
        include: {
          decisions: { orderBy: { createdAt: "desc" }, include: { user: { select: { email: true } } } },
          grants: { select: { kind: true } },
        },
      });
      if (!review) return null;
      const denial = review.decisions.find((decision) => decision.verdict === "DENY");
      return {
        number: review.number,
        status: review.status,
        approvers: review.decisions
          .filter((decision) => decision.verdict === "APPROVE")
          .map((decision) => decision.user.email),
        denial: denial ? { by: denial.user.email, reason: denial.reason } : null,
        hasWindow: review.grants.some((grant) => grant.kind === "WINDOW"),
      };
    },
    async decidedAmong(reviewIds) {
      if (reviewIds.length === 0) return [];
      const decided = await prisma.review.findMany({
        where: { id: { in: [...reviewIds] }, status: { not: "PENDING" } },
        select: { id: true },
      });
      return decided.map((review) => review.id);
    },
    async staleNonBlocking(now, limit) {
      const stale = await prisma.review.findMany({
        where: { status: "PENDING", isBlocking: false, expiresAt: { lte: now } },
        select: { id: true },
        take: limit,
      });
      return stale.map((review) => review.id);
    },
    async move(reviewId, event, now, audit) {
      const { from, to, action } = REVIEW_MOVES[event];
      // Executing keeps the decision's time; every other move is the decision (or its stand-in).
      const stamp = event === "execute" ? { executedAt: now } : { decidedAt: now };
      return prisma.$transaction(async (db) => {
        const moved = await db.review.updateMany({
          where: { id: reviewId, status: from },
          data: { status: to, ...stamp },
        });
        if (moved.count !== 1) return false;
        const actor = audit.agent
          ? {
              actorType: "AGENT" as const,
              actorId: audit.agent.agentId,
              actorName: audit.agent.agentName,
              sessionId: audit.agent.sessionId,
            }
          : { actorType: "SYSTEM" as const, actorName: gatewayId };
        await db.auditEvent.create({
          data: {
            ...actor,
            action,
            targetType: "review",
            targetId: reviewId,
            metadata: audit.metadata as object,
          },
        });
        return true;
      });
    },
    async auditAgent({ action, reviewId, identity, metadata }) {
      await prisma.auditEvent.create({
        data: {
          actorType: "AGENT",
          actorId: identity.agentId,
          actorName: identity.agentName,
          action,
          targetType: "review",
          targetId: reviewId,
          sessionId: identity.sessionId,
          metadata: metadata as object,
        },
      });
    },
  };
}
