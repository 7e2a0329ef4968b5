import type { HeldReview, LivenessStore } from "../src/gateway-liveness";
import { REVIEW_MOVES, type ReviewStatus } from "../src/review-lifecycle";
import type { ReviewRule, ReviewStore } from "../src/review-store";

type Row = {
  id: string;
  number: number;
  status: ReviewStatus;
  agentId: string;
  connectionId: string;
  statement: string;
  statementHash: string;
  isBlocking: boolean;
  gatewayId: string | null;
  expiresAt: Date;
  approvers: string[];
  denial: { by: string; reason: string | null } | null;
};
type Grant = {
  id: string;
  reviewId: string;
  kind: "ONCE" | "WINDOW";
  statementHash: string | null;
  usedAt: Date | null;
  expiresAt: Date;
};

/** The review store in memory, with what a reviewer would do in the console, for the broker's tests. */
export class FakeReviewStore implements ReviewStore {
  rules = new Map<string, ReviewRule>();
  reviews = new Map<string, Row>();
  grants: Grant[] = [];
  audit: { action: string; reviewId: string; by: "SYSTEM" | "AGENT" }[] = [];
  /** Makes the next store call fail, as a store outage would. */
  isDown = false;
  private counter = 0;

  findRule = async (_connectionId: string, name: string) => this.up(this.rules.get(name) ?? null);
  findWindowGrant = async ({ now }: { now: Date }) => {
    const grant = this.grants.find((candidate) => candidate.kind === "WINDOW" && candidate.expiresAt > now);
    return this.up(grant ? { reviewId: grant.reviewId, number: this.row(grant.reviewId).number } : null);
  };
  findOnceGrant = async ({ statementHash, now }: { statementHash: string; now: Date }) =>
    this.up(
      this.grants.find(
        (grant) =>
          grant.kind === "ONCE" &&
          grant.statementHash === statementHash &&
          !grant.usedAt &&
          grant.expiresAt > now,
      ) ?? null,
    );
  claimGrant = async (grantId: string, now: Date) => this.claim((grant) => grant.id === grantId, now);
  claimOnceGrantOf = async (reviewId: string, now: Date) =>
    this.claim((grant) => grant.reviewId === reviewId && grant.kind === "ONCE", now);
  findPendingNonBlocking = async ({ statementHash, now }: { statementHash: string; now: Date }) =>
    this.up(
      [...this.reviews.values()].find(
        (row) => row.statementHash === statementHash && row.status === "PENDING" && row.expiresAt > now,
      ) ?? null,
    );
  createReview: ReviewStore["createReview"] = async (review) => {
    this.up(null);
    this.counter += 1;
    const row: Row = {
      id: `review-${this.counter}`,
      number: 1000 + this.counter,
      status: "PENDING",
      agentId: review.identity.agentId,
      connectionId: review.identity.connectionId,
      statement: review.statement,
      statementHash: review.statementHash,
      isBlocking: review.isBlocking,
      gatewayId: review.gatewayId,
      expiresAt: review.expiresAt,
      approvers: [],
      denial: null,
    };
    this.reviews.set(row.id, row);
    return row;
  };
  readDecided = async (reviewId: string) => {
    const row = this.up(this.reviews.get(reviewId));
    if (!row) return null;
    const hasWindow = this.grants.some((grant) => grant.reviewId === reviewId && grant.kind === "WINDOW");
    return {
      number: row.number,
      status: row.status,
      approvers: row.approvers,
      denial: row.denial,
      hasWindow,
    };
  };
  decidedAmong = async (reviewIds: readonly string[]) =>
    this.up(reviewIds.filter((id) => this.reviews.get(id)?.status !== "PENDING"));
  staleNonBlocking = async (now: Date) =>
    this.up(
      [...this.reviews.values()]
        .filter((row) => row.status === "PENDING" && !row.isBlocking && row.expiresAt <= now)
        .map((row) => row.id),
    );
  move: ReviewStore["move"] = async (reviewId, event, _now, audit) => {
    const row = this.up(this.reviews.get(reviewId));
    const { from, to, action } = REVIEW_MOVES[event];
    if (!row || row.status !== from) return false;
    row.status = to;
    this.audit.push({ action, reviewId, by: audit.agent ? "AGENT" : "SYSTEM" });
    return true;
  };
  auditAgent: ReviewStore["auditAgent"] = async ({ action, reviewId }) => {
    this.up(null);
    this.audit.push({ action, reviewId, by: "AGENT" });
  };

  /** A reviewer approves in the console: the review moves and the grant is made. */
  approve(
    reviewId: string,
    by: string,
    kind: "ONCE" | "WINDOW" = "ONCE",
    expiresAt = new Date(8.64e15),
  ): void {
    const row = this.row(reviewId);
    row.status = "APPROVED";
    row.approvers.push(by);
    this.grants.push({
      id: `grant-${this.grants.length + 1}`,
      reviewId,
      kind,
      statementHash: kind === "ONCE" ? row.statementHash : null,
      usedAt: null,
      expiresAt,
    });
  }

  deny(reviewId: string, by: string, reason: string | null): void {
    const row = this.row(reviewId);
    row.status = "DENIED";
    row.denial = { by, reason };
  }

  row(reviewId: string): Row {
    const row = this.reviews.get(reviewId);
    if (!row) throw new Error(`no review ${reviewId}`);
    return row;
  }

  only(): Row {
    const [row, ...others] = this.reviews.values();
    if (!row || others.length > 0) throw new Error(`expected one review, found ${this.reviews.size}`);
    return row;
  }

  private claim(matches: (grant: Grant) => boolean, now: Date): boolean {
    this.up(null);
    const grant = this.grants.find((candidate) => matches(candidate) && !candidate.usedAt);
    if (!grant) return false;
    grant.usedAt = now;
    return true;
  }

  private up<T>(value: T): T {
    if (this.isDown) throw new Error("store unavailable");
    return value;
  }
}

/** Liveness with heartbeats and holders set by the test. */
export class FakeLiveness implements LivenessStore {
  beats: string[] = [];
  silent: HeldReview[] = [];
  onHost: HeldReview[] = [];
  forgotten: string[] = [];
  beat = async (gatewayId: string) => {
    this.beats.push(gatewayId);
  };
  forget = async (gatewayId: string) => {
    this.forgotten.push(gatewayId);
  };
  silentHolders = async () => this.silent;
  heldWithPrefix = async (prefix: string) => this.onHost.filter((held) => held.gatewayId.startsWith(prefix));
}
