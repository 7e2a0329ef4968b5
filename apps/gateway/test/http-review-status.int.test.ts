import type { AdminContext } from "@sluice/admin/actor";
import { decideReview } from "@sluice/admin/decide-review";
import { getReview } from "@sluice/admin/get-review";
import { createAgent } from "@sluice/db/seed/create-agent";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../../../test/until";
import { consoleUser, reviewerGroup } from "./support/http-fixtures";
import { type HttpHarness, startHttpHarness } from "./support/http-harness";

/**
 * A non-blocking HTTP review, end to end: the refusal names a status URL; the agent polls it and,
 * once approved, runs the exact call reviewed once, from the sealed copy the review row keeps. The
 * row holds the body masked for reviewers and sealed for the run, never in clear.
 */
let harness: HttpHarness;
let rey: AdminContext;
let otherToken: string;

const CARD = "4111111111111111";
const SSN = "123-45-6789";
const EMAIL = "ada@example.com";
type Refused = {
  error: { rule: string; message: string; hint?: string; review?: { number: number; statusUrl: string } };
};
type Status = { review: { number: number; state: string; call: string; run?: string; reason?: string } };

beforeAll(async () => {
  harness = await startHttpHarness();
  const connectionId = harness.connection.id;
  const rule = await reviewerGroup(harness, "fin");
  await rule("orders", { methods: ["POST"], path: "/orders" }, { isBlocking: false, timeoutSeconds: 600 });
  await rule(
    "quick-orders",
    { methods: ["POST"], path: "/orders/quick" },
    { isBlocking: false, timeoutSeconds: 1 },
  );
  await harness.prisma.maskingRule.create({
    data: { connectionId, name: "ssn", jsonPointer: "/**/ssn", strategy: "REDACT" },
  });
  await harness.reloadPolicy();
  rey = await consoleUser(harness, {
    subject: "rey",
    email: "rey@x.test",
    idpGroups: ["fin"],
    roles: ["REVIEWER"],
  });
  otherToken = (await createAgent(harness.prisma, { name: "agent-b", groups: ["analysts"] })).token;
});
afterAll(() => harness?.stop());

const order = (n: number) => ({ n, amount: 40 + n, card: CARD, ssn: SSN, contact: EMAIL });

async function postOrder(path: string, body: object) {
  const response = await harness.call(`/shop${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(403);
  const refused = (await response.json()) as Refused;
  const review = refused.error.review;
  if (!review) throw new Error(`no review named: ${JSON.stringify(refused)}`);
  return { ...review, hint: refused.error.hint ?? "" };
}

const asAgent = (path: string, method = "GET", token = harness.token) =>
  fetch(`${harness.base}${path}`, { method, headers: { authorization: `Bearer ${token}` } });

async function status(statusUrl: string): Promise<Status["review"]> {
  const response = await asAgent(statusUrl);
  expect(response.status).toBe(200);
  return ((await response.json()) as Status).review;
}

async function reviewIdOf(statusUrl: string): Promise<string> {
  return decodeURIComponent(statusUrl.split("/").at(-1) as string);
}

describe("a reviewed call's body at rest", () => {
  it("the review row and its audit hold no clear value, and the reviewer still reads the call", async () => {
    const pending = await postOrder("/orders", order(1));
    const id = await reviewIdOf(pending.statusUrl);
    const row = await harness.prisma.review.findUniqueOrThrow({ where: { id } });
    const audit = await harness.prisma.auditEvent.findMany({ where: { targetId: id } });
    const stored = JSON.stringify({ row, audit }, (_key, value) =>
      typeof value === "bigint" ? String(value) : value,
    );
    for (const value of [CARD, SSN, EMAIL]) expect(stored).not.toContain(value);
    expect(row.statementSealed).toMatch(/^v1:/);
    // The reviewer's page: what is asked (method, path, amount), its sensitive values masked.
    const shown = await getReview(rey, { id });
    expect(shown.statement.split("\n")[0]).toBe("POST /shop/orders");
    const body = JSON.parse(shown.statement.split("\n")[1] as string);
    expect(body).toMatchObject({ n: 1, amount: 41, ssn: "[REDACTED]" });
    expect(body.card).not.toContain(CARD);
    expect(body.contact).not.toContain(EMAIL);
  });
});

describe("the status URL of a non-blocking review", () => {
  it("pending, then approved: the exact call runs once, and never again", async () => {
    const pending = await postOrder("/orders", order(2));
    expect(pending.hint).toContain(`GET ${pending.statusUrl}`);
    expect(await status(pending.statusUrl)).toMatchObject({ number: pending.number, state: "pending" });
    expect((await asAgent(`${pending.statusUrl}/run`, "POST")).status).toBe(409);
    await decideReview(rey, { reviewId: await reviewIdOf(pending.statusUrl), input: { verdict: "APPROVE" } });
    const approved = await status(pending.statusUrl);
    expect(approved).toMatchObject({ state: "approved", run: `${pending.statusUrl}/run` });

    const before = harness.upstream.seen.length;
    const run = await asAgent(approved.run as string, "POST");
    expect(run.status).toBe(201);
    // The agent reads the upstream's answer masked, as for any call.
    expect(((await run.json()) as { received: { ssn: string } }).received.ssn).toBe("[REDACTED]");
    const reached = harness.upstream.seen.slice(before);
    expect(reached.map((call) => [call.method, call.url, JSON.parse(call.body)])).toEqual([
      ["POST", "/api/orders", order(2)],
    ]);

    const again = await asAgent(approved.run as string, "POST");
    expect(again.status).toBe(409);
    expect(await status(pending.statusUrl)).toMatchObject({ state: "executed" });
    expect(harness.upstream.seen.length).toBe(before + 1);
  });

  it("denied: the state carries the reason and the call never runs", async () => {
    const pending = await postOrder("/orders", order(3));
    await decideReview(rey, {
      reviewId: await reviewIdOf(pending.statusUrl),
      input: { verdict: "DENY", reason: "too large" },
    });
    expect(await status(pending.statusUrl)).toMatchObject({ state: "denied", reason: "too large" });
    const before = harness.upstream.seen.length;
    const run = await asAgent(`${pending.statusUrl}/run`, "POST");
    expect(run.status).toBe(403);
    expect(((await run.json()) as Refused).error.message).toContain("was denied by rey@x.test: too large");
    expect(harness.upstream.seen.length).toBe(before);
  });

  it("expired without a decision: the state says so and the run is gone", async () => {
    const pending = await postOrder("/orders/quick", order(4));
    await until(async () => (await status(pending.statusUrl)).state === "expired", {
      what: "the review's one-second deadline",
      timeoutMs: 20_000,
      intervalMs: 200,
    });
    expect((await asAgent(`${pending.statusUrl}/run`, "POST")).status).toBe(410);
  });

  it("an approval whose grant has expired runs nothing", async () => {
    const pending = await postOrder("/orders", order(5));
    const reviewId = await reviewIdOf(pending.statusUrl);
    await decideReview(rey, { reviewId, input: { verdict: "APPROVE" } });
    await harness.prisma.reviewGrant.updateMany({
      where: { reviewId },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const before = harness.upstream.seen.length;
    expect((await asAgent(`${pending.statusUrl}/run`, "POST")).status).toBe(410);
    expect(harness.upstream.seen.length).toBe(before);
  });

  it("another agent can neither read nor run it; its own agent still can", async () => {
    const pending = await postOrder("/orders", order(6));
    await decideReview(rey, { reviewId: await reviewIdOf(pending.statusUrl), input: { verdict: "APPROVE" } });
    const before = harness.upstream.seen.length;
    expect((await asAgent(pending.statusUrl, "GET", otherToken)).status).toBe(404);
    expect((await asAgent(`${pending.statusUrl}/run`, "POST", otherToken)).status).toBe(404);
    expect(harness.upstream.seen.length).toBe(before);
    expect((await asAgent(`${pending.statusUrl}/run`, "POST")).status).toBe(201);
    expect(harness.upstream.seen.length).toBe(before + 1);
  });

  it("a status URL takes its own method only, and names only real reviews", async () => {
    const pending = await postOrder("/orders", order(7));
    expect((await asAgent(pending.statusUrl, "POST")).status).toBe(405);
    expect((await asAgent(`${pending.statusUrl}/run`, "GET")).status).toBe(405);
    // Ids that are no review's: unknown, not UTF-8 once decoded, or a path below one.
    for (const id of ["nope", "%ff", "a%2Fb"])
      expect((await asAgent(`/_sluice/reviews/${id}`)).status).toBe(404);
  });
});
