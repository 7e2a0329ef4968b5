import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { deliverReviewWebhook, WEBHOOK_RETRY_DELAYS_MS } from "@sluice/reviews/review-webhook";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const SECRET = "whsec-test";
const NOTICE = {
  reviewId: "rev1",
  number: 1042,
  agent: "demo-agent",
  connection: "demo_shop",
  rule: "salary-reads",
  reviewerGroups: ["finance-leads"],
  statement: "SELECT salary FROM employees",
  expiresAt: new Date("2026-11-25T10:00:00Z"),
  consoleUrl: "http://localhost:3000",
};

describe("review webhook", () => {
  let server: Server;
  let url: string;
  const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
  let failuresLeft = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      req.on("end", () => {
        received.push({ headers: req.headers, body });
        res.statusCode = failuresLeft-- > 0 ? 503 : 200;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it("posts a Slack-compatible body signed with HMAC-SHA256 over timestamp and body", async () => {
    received.length = 0;
    expect(await deliverReviewWebhook({ url, secret: SECRET }, NOTICE, () => {})).toBe(true);
    const [request] = received;
    const timestamp = String(request?.headers["x-sluice-timestamp"]);
    const expected = `sha256=${createHmac("sha256", SECRET).update(`${timestamp}.${request?.body}`).digest("hex")}`;
    expect(request?.headers["x-sluice-signature"]).toBe(expected);
    const body = JSON.parse(request?.body ?? "{}") as {
      text: string;
      blocks: unknown[];
      review: { number: number; url: string };
    };
    expect(body.text).toBe(
      "Review R-1042: agent demo-agent on demo_shop waits for finance-leads (rule salary-reads)",
    );
    expect(body.blocks.length).toBeGreaterThan(0);
    expect(body.review).toMatchObject({ number: 1042, url: "http://localhost:3000/reviews/rev1" });
  });

  it("retries with backoff until the receiver answers, and gives up after the last delay", async () => {
    received.length = 0;
    failuresLeft = 2;
    const slept: number[] = [];
    const sleep = async (ms: number) => {
      slept.push(ms);
    };
    expect(await deliverReviewWebhook({ url, secret: SECRET }, NOTICE, () => {}, sleep)).toBe(true);
    expect(received).toHaveLength(3);
    expect(slept).toEqual(WEBHOOK_RETRY_DELAYS_MS.slice(0, 2));

    received.length = 0;
    failuresLeft = 100;
    const logs: string[] = [];
    expect(
      await deliverReviewWebhook({ url, secret: SECRET }, NOTICE, (line) => logs.push(line), sleep),
    ).toBe(false);
    expect(received).toHaveLength(WEBHOOK_RETRY_DELAYS_MS.length + 1);
    expect(logs.at(-1)).toContain("HTTP 503");
    failuresLeft = 0;
  });
});
