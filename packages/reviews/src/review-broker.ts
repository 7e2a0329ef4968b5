import { hostname } from "node:os";
import {
  ASK_AGAIN_HINT,
  deniedByReviewerHint,
  holdHint,
  retryAfterApprovalHint,
} from "@sluice/agent-guidance/agent-guidance";
import { type Clock, systemClock } from "@sluice/db/scheduling/clock";
import type { ReviewBroker as ReviewBrokerContract, ReviewRequest } from "@sluice/policy/decision-point";
import type { Verdict } from "@sluice/policy/verdict";
import {
  HOLDER_SILENCE_MS,
  isGoneFromThisHost,
  isProcessAlive,
  type LivenessStore,
  type ThisProcess,
} from "./gateway-liveness";
import { type AllowVerdict, deny, HeldStatements, withNote } from "./held-statements";
import type { ReviewStore } from "./review-store";
import type { ReviewNotice } from "./review-webhook";
import type { ReviewedCallKeys } from "./reviewed-call-seal";
import { type ReviewedStatement, reviewedStatement } from "./reviewed-statement";

/** Stale non-blocking reviews expired per poll; the next poll takes the rest. */
const EXPIRE_BATCH = 100;
/** How much of a statement an audit row keeps. */
const AUDIT_STATEMENT_CHARS = 2000;

export type ReviewBrokerOptions = {
  store: ReviewStore;
  liveness: LivenessStore;
  /** This gateway process; a review it holds is abandoned if the process goes away. */
  gatewayId: string;
  /** Keys the hash that finds a statement or call again (see reviewed-statement). */
  statementKeys: ReviewedCallKeys;
  /** Told of every new review (the webhook); never awaited. */
  onRequested?: (notice: Omit<ReviewNotice, "consoleUrl">) => void;
  log: (line: string) => void;
  clock?: Clock;
  /** This process, for recognising the dead holders on this host. */
  self?: ThisProcess;
};

/**
 * Holds statements for human review. A review verdict becomes: allow, when a grant covers it (a
 * window for the rule, or a once-grant for this exact statement); a denial carrying the review id,
 * for non-blocking rules; otherwise a hold that the reviewers' decision releases or refuses. Only
 * the waiting session waits. The caller delivers decisions (`onDecided`) and runs `poll` and
 * `heartbeat` on timers (see `startReviewBroker`).
 */
export class ReviewBroker implements ReviewBrokerContract {
  private readonly clock: Clock;
  private readonly held: HeldStatements;
  /** The settle running for each review, so the next one waits for it (see `settle`). */
  private readonly settling = new Map<string, Promise<void>>();
  private isClosing = false;

  constructor(private readonly options: ReviewBrokerOptions) {
    this.clock = options.clock ?? systemClock;
    this.held = new HeldStatements(this.clock);
  }

  /** How many statements wait for a decision. */
  get heldCount(): number {
    return this.held.size;
  }

  /**
   * Refuses every held statement (nothing runs later by surprise) and marks its review abandoned.
   * Returns how many were held, so the caller can let those refusals reach their clients.
   */
  async close(): Promise<number> {
    const count = this.held.size;
    this.isClosing = true;
    for (const reviewId of this.held.ids()) {
      const waiter = this.held.get(reviewId);
      if (!waiter) continue;
      this.held.release(reviewId, await this.abandonForShutdown(reviewId, waiter.number, waiter.rule));
    }
    return count;
  }

  /** Marks a review abandoned by this gateway's shutdown; returns its statement's refusal. */
  private async abandonForShutdown(reviewId: string, number: number, rule: string): Promise<Verdict> {
    await this.options.store.move(reviewId, "abandon", this.date(), {
      metadata: { reason: "gateway shut down" },
    });
    return deny(
      rule,
      `the gateway shut down while review R-${number} was pending; it was abandoned and will not run`,
      ASK_AGAIN_HINT,
    );
  }

  async request(request: ReviewRequest): Promise<Verdict> {
    if (this.isClosing) return deny(request.rule, "the gateway is shutting down; try again");
    const { store } = this.options;
    const { identity } = request;
    const reviewed = reviewedStatement(request, this.options.statementKeys);
    const rule = await store.findRule(identity.connectionId, request.rule);
    if (!rule) return deny(request.rule, `review rule "${request.rule}" is no longer configured; try again`);

    const granted = await this.useGrant(request, rule.id, reviewed);
    if (granted) return granted;

    const groups = request.reviewerGroups.join(" or ") || "a reviewer";
    const minutes = Math.max(1, Math.round(rule.timeoutSeconds / 60));
    if (!rule.isBlocking) {
      const lookup = { agentId: identity.agentId, connectionId: identity.connectionId, now: this.date() };
      const pending = await store.findPendingNonBlocking({ ...lookup, statementHash: reviewed.hash });
      const review = pending ?? (await this.createReview(request, rule, reviewed, false));
      return {
        kind: "deny",
        rule: request.rule,
        code: "42501",
        message: `approval required by review rule "${request.rule}": review R-${review.number} by ${groups} is pending (expires in ${minutes} min); run the exact same statement again once it is approved`,
        hint: retryAfterApprovalHint(review.number, groups),
        review: { id: review.id, number: review.number },
      };
    }

    const review = await this.createReview(request, rule, reviewed, true);
    // A shutdown that began while the review was written found nothing held, and nothing would
    // release this statement: it is refused and abandoned here, as `close` does with the held ones.
    if (this.isClosing) return this.abandonForShutdown(review.id, review.number, request.rule);
    const release = this.held.hold(review.id, {
      number: review.number,
      expiresAt: review.expiresAt,
      rule: request.rule,
      onApproval: request.onApproval,
      onDeadline: () => this.background(this.expire(review.id), "expire"),
    });
    return {
      kind: "hold",
      rule: request.rule,
      message: `waiting for approval: review R-${review.number} by ${groups} (expires in ${minutes} min)`,
      hint: holdHint(groups, minutes),
      release,
      withdraw: (reason) => {
        if (!this.held.get(review.id)) return;
        // Refused at once; the review is marked abandoned as soon as the store answers.
        this.held.release(review.id, deny(request.rule, reason));
        this.background(
          this.options.store.move(review.id, "abandon", this.date(), { metadata: { reason } }),
          "abandon",
        );
      },
    };
  }

  /** A decision was announced (NOTIFY): settle it if this gateway holds its statement. */
  onDecided(reviewId: string): void {
    if (this.held.get(reviewId)) this.background(this.settle(reviewId), "settle");
  }

  /** Catches what a missed notification, a dead holder or a store outage left behind. */
  async poll(): Promise<void> {
    const { store } = this.options;
    await this.abandonSilentHolders();
    const heldIds = this.held.ids();
    if (heldIds.length > 0) {
      for (const reviewId of await store.decidedAmong(heldIds)) await this.settle(reviewId);
    }
    // A held review whose timer could not expire it (the store was down) is expired here.
    for (const reviewId of this.held.ids()) {
      const waiter = this.held.get(reviewId);
      if (waiter && waiter.expiresAt <= this.clock.now()) await this.expire(reviewId);
    }
    // Non-blocking reviews have no waiter: any gateway expires them once their time is up.
    for (const reviewId of await store.staleNonBlocking(this.date(), EXPIRE_BATCH)) {
      await store.move(reviewId, "expire", this.date(), { metadata: {} });
    }
  }

  /** Says this gateway is alive (before the first review it could hold, then on a timer). */
  heartbeat(): Promise<void> {
    return this.options.liveness.beat(this.options.gatewayId);
  }

  /**
   * Reviews held by a gateway process on this host that no longer exists can never be released:
   * they are abandoned at start-up, so an approval arriving later changes nothing.
   */
  async abandonOrphans(): Promise<void> {
    const self = this.options.self ?? { host: hostname(), pid: process.pid, isAlive: isProcessAlive };
    for (const review of await this.options.liveness.heldWithPrefix(`${self.host}:`)) {
      if (!isGoneFromThisHost(review.gatewayId, this.options.gatewayId, self)) continue;
      await this.options.store.move(review.id, "abandon", this.date(), {
        metadata: { reason: `gateway ${review.gatewayId} is gone` },
      });
    }
  }

  /** A window grant for the rule, or an unused once-grant for this exact statement, lets it run. */
  private async useGrant(
    request: ReviewRequest,
    ruleId: string,
    reviewed: ReviewedStatement,
  ): Promise<AllowVerdict | null> {
    const { store } = this.options;
    const { identity } = request;
    const now = this.date();
    const lookup = { agentId: identity.agentId, connectionId: identity.connectionId, now };
    const window = await store.findWindowGrant({ ...lookup, ruleId });
    if (window) {
      await store.auditAgent({
        action: "review.grant_used",
        reviewId: window.reviewId,
        identity,
        metadata: {
          grant: "WINDOW",
          review: window.number,
          statement: reviewed.shown.slice(0, AUDIT_STATEMENT_CHARS),
        },
      });
      return withNote(request.onApproval, `window grant of review R-${window.number}`);
    }
    const once = await store.findOnceGrant({ ...lookup, statementHash: reviewed.hash });
    // Claimed conditionally, so two sessions racing for one once-grant run the statement once between them.
    if (!once || !(await store.claimGrant(once.id, now))) return null;
    await store.move(once.reviewId, "execute", now, { metadata: { grant: "ONCE" }, agent: identity });
    return withNote(request.onApproval, "approved once (retried after approval)");
  }

  private async createReview(
    request: ReviewRequest,
    rule: { id: string; timeoutSeconds: number },
    reviewed: ReviewedStatement,
    isBlocking: boolean,
  ) {
    const { identity, onApproval } = request;
    const review = await this.options.store.createReview({
      identity,
      ruleId: rule.id,
      statement: reviewed.shown,
      statementSealed: request.protectedText?.sealed ?? null,
      statementHash: reviewed.hash,
      facts: { ...request.touches, reason: request.message },
      maskedTables: [...new Set(onApproval.maskedTables ?? [])],
      isBlocking,
      gatewayId: isBlocking ? this.options.gatewayId : null,
      expiresAt: new Date(this.clock.now() + rule.timeoutSeconds * 1000),
    });
    await this.options.store.auditAgent({
      action: "review.requested",
      reviewId: review.id,
      identity,
      metadata: {
        review: review.number,
        rule: request.rule,
        reviewerGroups: request.reviewerGroups,
        isBlocking,
        statement: reviewed.shown.slice(0, AUDIT_STATEMENT_CHARS),
      },
    });
    this.options.onRequested?.({
      reviewId: review.id,
      number: review.number,
      agent: identity.agentName,
      connection: identity.connectionName,
      rule: request.rule,
      reviewerGroups: request.reviewerGroups,
      statement: reviewed.shown,
      expiresAt: review.expiresAt,
    });
    return review;
  }

  /**
   * Settles run one at a time per review: a decision arrives by LISTEN and by the poll at once, and
   * two concurrent runs would both see APPROVED, one spending the grant while the other, finding it
   * spent, refused the statement before the first released it.
   */
  private settle(reviewId: string): Promise<void> {
    const previous = this.settling.get(reviewId) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(() => this.settleOnce(reviewId));
    this.settling.set(reviewId, next);
    const forget = () => {
      if (this.settling.get(reviewId) === next) this.settling.delete(reviewId);
    };
    next.then(forget, forget);
    return next;
  }

  /** Reads a held review's state and releases (approved) or refuses (denied, expired) its statement. */
  private async settleOnce(reviewId: string): Promise<void> {
    const waiter = this.held.get(reviewId);
    if (!waiter) return;
    const review = await this.options.store.readDecided(reviewId);
    if (!review || review.status === "PENDING") return;
    const refuse = (message: string, hint = ASK_AGAIN_HINT) =>
      this.held.release(reviewId, deny(waiter.rule, message, hint));
    if (review.status === "APPROVED") {
      const now = this.date();
      // The once-grant made by the approval is this held statement's; it is spent here, and only
      // the session that spends it runs (a retry elsewhere may have claimed it first).
      const claimed = await this.options.store.claimOnceGrantOf(reviewId, now);
      if (!claimed && !review.hasWindow) {
        refuse(`review R-${review.number}'s approval was already used by another execution; nothing was run`);
        return;
      }
      await this.options.store.move(reviewId, "execute", now, { metadata: {} });
      const grant = review.hasWindow ? "for a window" : "once";
      const note = `review R-${review.number} approved ${grant} by ${review.approvers.join(", ") || "a reviewer"}`;
      this.held.release(reviewId, withNote(waiter.onApproval, note));
      return;
    }
    if (review.status === "DENIED") {
      const reason = review.denial?.reason ? `: ${review.denial.reason}` : "";
      const by = review.denial?.by ?? "a reviewer";
      refuse(`review R-${review.number} was denied by ${by}${reason}`, deniedByReviewerHint(by));
      return;
    }
    refuse(
      `review R-${review.number} ended ${review.status.toLowerCase()} without approval; nothing was run`,
    );
  }

  private async expire(reviewId: string): Promise<void> {
    const waiter = this.held.get(reviewId);
    if (!waiter) return;
    const expired = await this.options.store.move(reviewId, "expire", this.date(), { metadata: {} });
    if (expired) {
      this.held.release(
        reviewId,
        deny(
          waiter.rule,
          `review R-${waiter.number} expired without a decision; nothing was run`,
          ASK_AGAIN_HINT,
        ),
      );
    } else {
      await this.settle(reviewId); // decided just before the deadline
    }
  }

  /**
   * Blocking reviews whose holder has gone silent, on any host. A holder writes its heartbeat before
   * it can hold anything; if a silent holder wakes up, it finds the review abandoned and refuses.
   */
  private async abandonSilentHolders(): Promise<void> {
    const silent = await this.options.liveness.silentHolders(this.options.gatewayId, HOLDER_SILENCE_MS);
    for (const review of silent) {
      await this.options.store.move(review.id, "abandon", this.date(), {
        metadata: { reason: `gateway ${review.gatewayId} went silent` },
      });
    }
  }

  /** Runs a store step off the request path; a failure is logged (the poll retries), never thrown. */
  private background(step: Promise<unknown>, what: string): void {
    step.catch((error: unknown) => this.options.log(`review ${what} failed: ${String(error)}`));
  }

  private date(): Date {
    return new Date(this.clock.now());
  }
}
