import { hostname } from "node:os";
import type { PrismaClient } from "@sluice/db/prisma";
import { REVIEW_CHANNEL, statementHash } from "@sluice/db/review-events";
import type { ReviewBroker, ReviewRequest } from "@sluice/policy/decision-point";
import type { Verdict } from "@sluice/policy/verdict";
import pg from "pg";
import { deliverReviewWebhook, type WebhookConfig } from "./review-webhook";

/** How often held reviews are re-read in case a NOTIFY was missed, and stale ones expired. */
export const REVIEW_POLL_MS = 1000;
/** How often this gateway tells the store it is alive. */
export const HEARTBEAT_MS = 5000;
/**
 * A gateway silent this long (its host died, hung or lost the store) holds nothing that can still be
 * released: the other gateways abandon its blocking reviews, so a late approval changes nothing.
 */
export const HOLDER_SILENCE_MS = 30_000;
/** Heartbeats of gateways gone this long are deleted. */
const HEARTBEAT_RETENTION = "1 day";

export type ReviewBrokerOptions = {
  prisma: PrismaClient;
  databaseUrl: string;
  /** This gateway process; a review it holds is abandoned if the process goes away. */
  gatewayId: string;
  webhook: WebhookConfig | null;
  consoleUrl: string | null;
  log: (line: string) => void;
};

type Waiter = {
  number: number;
  expiresAt: number;
  resolve: (verdict: Verdict) => void;
  onApproval: Verdict;
  rule: string;
  timer: NodeJS.Timeout;
};

type AllowVerdict = Extract<Verdict, { kind: "allow" }>;

/**
 * Holds statements for human review. A review verdict becomes: allow, when a grant covers it (a
 * window for the rule, or a once-grant for this exact statement); a denial carrying the review id,
 * for non-blocking rules; otherwise a hold that the console's decision (LISTEN/NOTIFY, polling as a
 * fallback) releases or refuses. Only the waiting session waits.
 */
export class PrismaReviewBroker implements ReviewBroker {
  private readonly held = new Map<string, Waiter>();
  /** The settle running for each review, so the next one waits for it (see `settle`). */
  private readonly settling = new Map<string, Promise<void>>();
  private listener: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private isClosing = false;
  private isPolling = false;
  private heartbeats: NodeJS.Timeout | null = null;
  private isBeating = false;

  constructor(private readonly options: ReviewBrokerOptions) {}

  async start(): Promise<void> {
    // Alive in the store before the first review this gateway could hold.
    await this.beat();
    await this.abandonOrphans();
    this.timer = setInterval(() => void this.poll(), REVIEW_POLL_MS);
    this.timer.unref();
    // On a timer of its own (interval timers are not moved by the host clock), so neither a slow
    // poll nor a busy store pool holds the heartbeat back.
    this.heartbeats = setInterval(() => void this.beatInBackground(), HEARTBEAT_MS);
    this.heartbeats.unref();
    try {
      this.listener = new pg.Client({ connectionString: this.options.databaseUrl });
      this.listener.on("notification", (message) => {
        if (message.payload && this.held.has(message.payload))
          this.background(this.settle(message.payload), "settle");
      });
      this.listener.on("error", (error) => {
        this.options.log(`review listener lost (${error.message}); polling continues`);
        this.listener = null;
      });
      await this.listener.connect();
      await this.listener.query(`LISTEN ${REVIEW_CHANNEL}`);
    } catch (error) {
      this.options.log(
        `could not LISTEN for review decisions (${String(error)}); polling every ${REVIEW_POLL_MS} ms`,
      );
    }
  }

  /**
   * Refuses every held statement (nothing runs later by surprise) and marks its review abandoned.
   * Returns how many were held, so the caller can let those refusals reach their clients.
   */
  async close(): Promise<number> {
    const count = this.held.size;
    this.isClosing = true;
    if (this.timer) clearInterval(this.timer);
    if (this.heartbeats) clearInterval(this.heartbeats);
    for (const [reviewId, waiter] of this.held) {
      await this.finish(reviewId, "ABANDONED", "review.abandoned", { reason: "gateway shut down" });
      this.release(
        reviewId,
        deny(
          waiter.rule,
          `the gateway shut down while review R-${waiter.number} was pending; it was abandoned and will not run`,
        ),
      );
    }
    await this.listener?.end().catch(() => {});
    await this.options.prisma.gatewayHeartbeat
      .deleteMany({ where: { gatewayId: this.options.gatewayId } })
      .catch((error: unknown) =>
        this.options.log(`could not remove this gateway's heartbeat: ${String(error)}`),
      );
    return count;
  }

  async request(request: ReviewRequest): Promise<Verdict> {
    if (this.isClosing) return deny(request.rule, "the gateway is shutting down; try again");
    const { prisma } = this.options;
    const { identity } = request;
    const hash = statementHash(request.sql);
    const rule = await this.findRule(identity.connectionId, request.rule);
    if (!rule) return deny(request.rule, `review rule "${request.rule}" is no longer configured; try again`);

    const granted = await this.useGrant(request, rule.id, hash);
    if (granted) return granted;

    const groups = request.reviewerGroups.join(" or ") || "a reviewer";
    const minutes = Math.max(1, Math.round(rule.timeoutSeconds / 60));
    if (!rule.isBlocking) {
      const pending = await prisma.review.findFirst({
        where: {
          agentId: identity.agentId,
          connectionId: identity.connectionId,
          statementHash: hash,
          status: "PENDING",
          expiresAt: { gt: new Date() },
        },
      });
      const review = pending ?? (await this.createReview(request, rule, hash, false));
      return {
        kind: "deny",
        rule: request.rule,
        code: "42501",
        message: `approval required by review rule "${request.rule}": review R-${review.number} by ${groups} is pending (expires in ${minutes} min); run the exact same statement again once it is approved`,
      };
    }

    const review = await this.createReview(request, rule, hash, true);
    const release = new Promise<Verdict>((resolve) => {
      const timer = setTimeout(
        () => this.background(this.expire(review.id), "expire"),
        Math.max(0, review.expiresAt.getTime() - Date.now()),
      );
      timer.unref();
      this.held.set(review.id, {
        number: review.number,
        expiresAt: review.expiresAt.getTime(),
        resolve,
        onApproval: request.onApproval,
        rule: request.rule,
        timer,
      });
    });
    return {
      kind: "hold",
      rule: request.rule,
      message: `waiting for approval: review R-${review.number} by ${groups} (expires in ${minutes} min)`,
      release,
      withdraw: (reason) => {
        if (!this.held.has(review.id)) return;
        // Refused at once; the review is marked abandoned as soon as the store answers.
        this.release(review.id, deny(request.rule, reason));
        this.background(this.finish(review.id, "ABANDONED", "review.abandoned", { reason }), "abandon");
      },
    };
  }

  private async findRule(connectionId: string, name: string) {
    const rules = await this.options.prisma.reviewRule.findMany({
      where: { name, isEnabled: true, OR: [{ connectionId }, { connectionId: null }] },
    });
    return rules.find((rule) => rule.connectionId === connectionId) ?? rules[0] ?? null;
  }

  /** A window grant for the rule, or an unused once-grant for this exact statement, lets it run. */
  private async useGrant(request: ReviewRequest, ruleId: string, hash: string): Promise<AllowVerdict | null> {
    const { prisma } = this.options;
    const { identity } = request;
    const now = new Date();
    const window = await prisma.reviewGrant.findFirst({
      where: {
        kind: "WINDOW",
        agentId: identity.agentId,
        connectionId: identity.connectionId,
        ruleId,
        expiresAt: { gt: now },
      },
      include: { review: { select: { number: true } } },
    });
    if (window) {
      await this.audit("review.grant_used", window.reviewId, identity, {
        grant: "WINDOW",
        review: window.review.number,
        statement: request.sql.slice(0, 2000),
      });
      return withNote(request.onApproval, `window grant of review R-${window.review.number}`);
    }
    const once = await prisma.reviewGrant.findFirst({
      where: {
        kind: "ONCE",
        agentId: identity.agentId,
        connectionId: identity.connectionId,
        statementHash: hash,
        usedAt: null,
        expiresAt: { gt: now },
      },
    });
    if (!once) return null;
    // Conditional, so two sessions racing for one once-grant run the statement once between them.
    const claimed = await prisma.reviewGrant.updateMany({
      where: { id: once.id, usedAt: null },
      data: { usedAt: now },
    });
    if (claimed.count !== 1) return null;
    await prisma.review.update({
      where: { id: once.reviewId },
      data: { status: "EXECUTED", executedAt: now },
    });
    await this.audit("review.executed", once.reviewId, identity, { grant: "ONCE" });
    return withNote(request.onApproval, "approved once (retried after approval)");
  }

  private async createReview(
    request: ReviewRequest,
    rule: { id: string; timeoutSeconds: number; isBlocking: boolean },
    hash: string,
    isBlocking: boolean,
  ) {
    const { identity } = request;
    const onApproval = request.onApproval;
    const review = await this.options.prisma.review.create({
      data: {
        agentId: identity.agentId,
        connectionId: identity.connectionId,
        sessionId: identity.sessionId,
        ruleId: rule.id,
        statement: request.sql,
        statementHash: hash,
        facts: { ...request.touches, reason: request.message },
        maskingPlan: {
          maskedTables: [...new Set(onApproval.kind === "allow" ? (onApproval.maskedTables ?? []) : [])],
        },
        isBlocking,
        gatewayId: isBlocking ? this.options.gatewayId : null,
        expiresAt: new Date(Date.now() + rule.timeoutSeconds * 1000),
      },
    });
    await this.audit("review.requested", review.id, identity, {
      review: review.number,
      rule: request.rule,
      reviewerGroups: request.reviewerGroups,
      isBlocking,
      statement: request.sql.slice(0, 2000),
    });
    if (this.options.webhook) {
      void deliverReviewWebhook(
        this.options.webhook,
        {
          reviewId: review.id,
          number: review.number,
          agent: identity.agentName,
          connection: identity.connectionName,
          rule: request.rule,
          reviewerGroups: request.reviewerGroups,
          statement: request.sql,
          expiresAt: review.expiresAt,
          consoleUrl: this.options.consoleUrl,
        },
        this.options.log,
      );
    }
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
    const review = await this.options.prisma.review.findUnique({
      where: { id: reviewId },
      include: {
        decisions: { orderBy: { createdAt: "desc" }, include: { user: { select: { email: true } } } },
        grants: true,
      },
    });
    if (!review || review.status === "PENDING") return;
    if (review.status === "APPROVED") {
      const now = new Date();
      // The once-grant made by the approval is this held statement's; it is spent here, and only
      // the session that spends it runs (a retry elsewhere may have claimed it first).
      const claimed = await this.options.prisma.reviewGrant.updateMany({
        where: { reviewId, kind: "ONCE", usedAt: null },
        data: { usedAt: now },
      });
      const hasWindow = review.grants.some((candidate) => candidate.kind === "WINDOW");
      if (claimed.count !== 1 && !hasWindow) {
        this.release(
          reviewId,
          deny(
            waiter.rule,
            `review R-${review.number}'s approval was already used by another execution; nothing was run`,
          ),
        );
        return;
      }
      await this.finish(reviewId, "EXECUTED", "review.executed", {}, { executedAt: now });
      const approvers = review.decisions
        .filter((decision) => decision.verdict === "APPROVE")
        .map((decision) => decision.user.email);
      const grant = review.grants.some((candidate) => candidate.kind === "WINDOW") ? "for a window" : "once";
      const note = `review R-${review.number} approved ${grant} by ${approvers.join(", ") || "a reviewer"}`;
      this.release(reviewId, withNote(waiter.onApproval, note));
      return;
    }
    if (review.status === "DENIED") {
      const decision = review.decisions.find((candidate) => candidate.verdict === "DENY");
      const reason = decision?.reason ? `: ${decision.reason}` : "";
      this.release(
        reviewId,
        deny(
          waiter.rule,
          `review R-${review.number} was denied by ${decision?.user.email ?? "a reviewer"}${reason}`,
        ),
      );
      return;
    }
    this.release(
      reviewId,
      deny(
        waiter.rule,
        `review R-${review.number} ended ${review.status.toLowerCase()} without approval; nothing was run`,
      ),
    );
  }

  private async expire(reviewId: string): Promise<void> {
    const waiter = this.held.get(reviewId);
    if (!waiter) return;
    const expired = await this.finish(reviewId, "EXPIRED", "review.expired", {});
    if (expired) {
      this.release(
        reviewId,
        deny(waiter.rule, `review R-${waiter.number} expired without a decision; nothing was run`),
      );
    } else {
      await this.settle(reviewId); // decided just before the deadline
    }
  }

  /** Moves a PENDING (or, for EXECUTED, APPROVED) review on; false when someone else moved it first. */
  private async finish(
    reviewId: string,
    status: "EXPIRED" | "ABANDONED" | "EXECUTED",
    action: string,
    metadata: Record<string, unknown>,
    extra: { executedAt?: Date } = {},
  ): Promise<boolean> {
    const from = status === "EXECUTED" ? "APPROVED" : "PENDING";
    const moved = await this.options.prisma.review.updateMany({
      where: { id: reviewId, status: from },
      data: { status, ...extra, ...(status === "EXECUTED" ? {} : { decidedAt: new Date() }) },
    });
    if (moved.count === 1) {
      await this.options.prisma.auditEvent.create({
        data: {
          actorType: "SYSTEM",
          actorName: this.options.gatewayId,
          action,
          targetType: "review",
          targetId: reviewId,
          metadata: metadata as object,
        },
      });
    }
    return moved.count === 1;
  }

  /** Runs a store step off the request path; a failure is logged (the poll retries), never thrown. */
  private background(step: Promise<unknown>, what: string): void {
    step.catch((error: unknown) => this.options.log(`review ${what} failed: ${String(error)}`));
  }

  private release(reviewId: string, verdict: Verdict): void {
    const waiter = this.held.get(reviewId);
    if (!waiter) return;
    clearTimeout(waiter.timer);
    this.held.delete(reviewId);
    waiter.resolve(verdict);
  }

  private async poll(): Promise<void> {
    // A poll slowed by a busy store is not overlapped by the next one.
    if (this.isPolling) return;
    this.isPolling = true;
    try {
      await this.abandonSilentHolders();
      if (this.held.size > 0) {
        const decided = await this.options.prisma.review.findMany({
          where: { id: { in: [...this.held.keys()] }, status: { not: "PENDING" } },
          select: { id: true },
        });
        for (const review of decided) await this.settle(review.id);
      }
      // A held review whose timer could not expire it (the store was down) is expired here.
      for (const [reviewId, waiter] of this.held) {
        if (waiter.expiresAt <= Date.now()) await this.expire(reviewId);
      }
      // Non-blocking reviews have no waiter: any gateway expires them once their time is up.
      const stale = await this.options.prisma.review.findMany({
        where: { status: "PENDING", isBlocking: false, expiresAt: { lte: new Date() } },
        select: { id: true },
        take: 100,
      });
      for (const review of stale) await this.finish(review.id, "EXPIRED", "review.expired", {});
    } catch (error) {
      this.options.log(`review poll failed: ${String(error)}`);
    } finally {
      this.isPolling = false;
    }
  }

  /** Says this gateway is alive, by the store's clock (hosts' clocks may disagree), and forgets long-gone ones. */
  private async beat(): Promise<void> {
    const { prisma, gatewayId } = this.options;
    const upsert = `INSERT INTO gateway_heartbeats (gateway_id, seen_at) VALUES ($1, now())
      ON CONFLICT (gateway_id) DO UPDATE SET seen_at = now()`;
    // The LISTEN connection carries nothing else: a heartbeat there never queues behind the
    // gateway's other store traffic. Without it (LISTEN failed), the shared pool.
    if (this.listener) await this.listener.query(upsert, [gatewayId]);
    else await prisma.$executeRawUnsafe(upsert, gatewayId);
    await prisma.$executeRaw`
      DELETE FROM gateway_heartbeats WHERE seen_at < now() - ${HEARTBEAT_RETENTION}::interval`;
  }

  private async beatInBackground(): Promise<void> {
    if (this.isBeating) return;
    this.isBeating = true;
    try {
      await this.beat();
    } catch (error) {
      this.options.log(`heartbeat failed: ${String(error)}`);
    } finally {
      this.isBeating = false;
    }
  }

  /**
   * Blocking reviews whose holder has gone silent, on any host: its heartbeat is older than
   * HOLDER_SILENCE_MS. A holder writes its heartbeat before it can hold anything; one with no
   * heartbeat at all is a gateway from before heartbeats (a rolling upgrade), left to expiry. If a
   * silent holder wakes up, it finds the review abandoned and refuses the statement.
   */
  private async abandonSilentHolders(): Promise<void> {
    const silenceSeconds = HOLDER_SILENCE_MS / 1000;
    const silent = await this.options.prisma.$queryRaw<{ id: string; gateway_id: string }[]>`
      SELECT r.id, r.gateway_id FROM reviews r
      WHERE r.status = 'PENDING' AND r.is_blocking AND r.gateway_id IS NOT NULL
        AND r.gateway_id <> ${this.options.gatewayId}
        AND EXISTS (
          SELECT 1 FROM gateway_heartbeats h
          WHERE h.gateway_id = r.gateway_id AND h.seen_at <= now() - make_interval(secs => ${silenceSeconds})
        )
      LIMIT 100`;
    for (const review of silent) {
      await this.finish(review.id, "ABANDONED", "review.abandoned", {
        reason: `gateway ${review.gateway_id} went silent`,
      });
    }
  }

  /**
   * Reviews held by a gateway process on this host that no longer exists can never be released:
   * they are abandoned at start-up, so an approval arriving later changes nothing.
   */
  private async abandonOrphans(): Promise<void> {
    const prefix = `${hostname()}:`;
    const pending = await this.options.prisma.review.findMany({
      where: { status: "PENDING", isBlocking: true, gatewayId: { startsWith: prefix } },
      select: { id: true, gatewayId: true },
    });
    for (const review of pending) {
      // `host:pid:nonce`; ids from before the nonce are `host:pid`.
      const pid = Number(review.gatewayId?.slice(prefix.length).split(":")[0]);
      // The same pid as this process under another id is a predecessor (a container restarted in
      // place gets pid 1 again): gone, whatever isAlive says.
      if (review.gatewayId !== this.options.gatewayId && (pid === process.pid || !isAlive(pid))) {
        await this.finish(review.id, "ABANDONED", "review.abandoned", {
          reason: `gateway ${review.gatewayId} is gone`,
        });
      }
    }
  }

  private async audit(
    action: string,
    reviewId: string,
    identity: ReviewRequest["identity"],
    metadata: Record<string, unknown>,
  ) {
    await this.options.prisma.auditEvent.create({
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
  }
}

/** The approval's origin travels with the verdict: the recording shows it, the relay spends it once. */
function withNote<V extends Verdict>(verdict: V, note: string): V {
  return verdict.kind === "allow" ? { ...verdict, note } : verdict;
}

function deny(rule: string, message: string): Verdict {
  return { kind: "deny", rule, message, code: "42501" };
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
