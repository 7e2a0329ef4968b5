import { createHmac } from "node:crypto";

export type WebhookConfig = { url: string; secret: string };

export type ReviewNotice = {
  reviewId: string;
  number: number;
  agent: string;
  connection: string;
  rule: string;
  reviewerGroups: readonly string[];
  statement: string;
  expiresAt: Date;
  consoleUrl: string | null;
};

/** Backoff between delivery attempts; a receiver down for half a minute still hears of the review. */
export const WEBHOOK_RETRY_DELAYS_MS = [1_000, 4_000, 16_000] as const;
const WEBHOOK_TIMEOUT_MS = 5_000;

/**
 * The body a webhook receives: Slack-compatible (`text` and `blocks` render as a message in a Slack
 * incoming webhook) with the review itself under `review` for other receivers.
 */
export function webhookBody(notice: ReviewNotice): string {
  const link = notice.consoleUrl ? `${notice.consoleUrl}/reviews/${notice.reviewId}` : null;
  const text = `Review R-${notice.number}: agent ${notice.agent} on ${notice.connection} waits for ${notice.reviewerGroups.join(" or ")} (rule ${notice.rule})`;
  return JSON.stringify({
    text,
    blocks: [
      {
        type: "section",
        text: { type: "mrkdwn", text: `*${text}*${link ? `\n<${link}|Open in Sluice>` : ""}` },
      },
      { type: "section", text: { type: "mrkdwn", text: `\`\`\`${notice.statement.slice(0, 2_000)}\`\`\`` } },
    ],
    review: {
      id: notice.reviewId,
      number: notice.number,
      agent: notice.agent,
      connection: notice.connection,
      rule: notice.rule,
      reviewerGroups: notice.reviewerGroups,
      statement: notice.statement,
      expiresAt: notice.expiresAt.toISOString(),
      url: link,
    },
  });
}

/** `X-Sluice-Signature: sha256=<hex HMAC of "<timestamp>.<body>">`, so receivers can verify and refuse replays. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/** Delivers a review notice, retrying with backoff; never throws (a webhook is a courtesy, not a gate). */
export async function deliverReviewWebhook(
  config: WebhookConfig,
  notice: ReviewNotice,
  log: (line: string) => void,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<boolean> {
  const body = webhookBody(notice);
  for (let attempt = 0; attempt <= WEBHOOK_RETRY_DELAYS_MS.length; attempt++) {
    const timestamp = String(Math.floor(Date.now() / 1000));
    try {
      const response = await fetch(config.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-sluice-timestamp": timestamp,
          "x-sluice-signature": signWebhook(config.secret, timestamp, body),
        },
        body,
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
      if (response.ok) return true;
      log(`review webhook for R-${notice.number}: attempt ${attempt + 1} got HTTP ${response.status}`);
    } catch (error) {
      log(`review webhook for R-${notice.number}: attempt ${attempt + 1} failed (${String(error)})`);
    }
    const delay = WEBHOOK_RETRY_DELAYS_MS[attempt];
    if (delay === undefined) break;
    await sleep(delay);
  }
  return false;
}
