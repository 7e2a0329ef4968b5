import type { PrismaClient } from "@sluice/db/prisma";
import { REVIEW_CHANNEL } from "@sluice/db/review-events";
import { type Listening, listenWithPollFallback } from "@sluice/db/scheduling/listen-with-poll-fallback";
import { repeatWithoutOverlap } from "@sluice/db/scheduling/repeat-without-overlap";
import { createPrismaLivenessStore, HEARTBEAT_MS } from "./gateway-liveness";
import { ReviewBroker } from "./review-broker";
import { createPrismaReviewStore } from "./review-store";
import { deliverReviewWebhook, type WebhookConfig } from "./review-webhook";
import type { ReviewedCallKeys } from "./reviewed-call-seal";

/** How often held reviews are re-read in case a NOTIFY was missed, and stale ones expired. */
export const REVIEW_POLL_MS = 1000;

export type StartReviewBrokerOptions = {
  prisma: PrismaClient;
  databaseUrl: string;
  gatewayId: string;
  /** Keys the hash that finds a held statement or call again (see reviewed-statement). */
  statementKeys: ReviewedCallKeys;
  webhook: WebhookConfig | null;
  consoleUrl: string | null;
  log: (line: string) => void;
};

export type RunningReviewBroker = {
  broker: ReviewBroker;
  /** Refuses and abandons what is held (returns how many), stops the timers, forgets the heartbeat. */
  close: () => Promise<number>;
};

/**
 * The review broker on the store: decisions arrive by LISTEN/NOTIFY with a poll as the fallback,
 * and the heartbeat runs on a timer of its own, so neither a slow poll nor a busy store pool holds
 * it back.
 */
export async function startReviewBroker(options: StartReviewBrokerOptions): Promise<RunningReviewBroker> {
  const { prisma, gatewayId, log, webhook } = options;
  let listening: Listening | null = null;
  const liveness = createPrismaLivenessStore(prisma, () => listening?.connection() ?? null);
  const broker = new ReviewBroker({
    store: createPrismaReviewStore(prisma, gatewayId),
    liveness,
    gatewayId,
    statementKeys: options.statementKeys,
    log,
    ...(webhook
      ? {
          onRequested: (notice) =>
            void deliverReviewWebhook(webhook, { ...notice, consoleUrl: options.consoleUrl }, log),
        }
      : {}),
  });
  // Alive in the store before the first review this gateway could hold.
  await broker.heartbeat();
  await broker.abandonOrphans();
  listening = await listenWithPollFallback({
    databaseUrl: options.databaseUrl,
    channel: REVIEW_CHANNEL,
    name: "review",
    what: "review decisions",
    pollMs: REVIEW_POLL_MS,
    onNotification: (reviewId) => reviewId && broker.onDecided(reviewId),
    poll: () => broker.poll(),
    log,
  });
  const heartbeats = repeatWithoutOverlap(HEARTBEAT_MS, () => broker.heartbeat(), {
    onError: (error) => log(`heartbeat failed: ${String(error)}`),
  });
  return {
    broker,
    close: async () => {
      heartbeats.stop();
      const held = await broker.close();
      await listening?.stop();
      await liveness
        .forget(gatewayId)
        .catch((error: unknown) => log(`could not remove this gateway's heartbeat: ${String(error)}`));
      return held;
    },
  };
}
