import http from "node:http";
import type { AdminContext } from "@sluice/admin/actor";
import { decideReview } from "@sluice/admin/decide-review";
import { unpackChunk } from "@sluice/recording/chunk-codec";
import type { RecordingEvent } from "@sluice/recording/events";
import { renderFrames } from "@sluice/recording/render-terminal";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until as waitUntil } from "../../../test/until";
import { consoleUser, reviewerGroup } from "./support/http-fixtures";
import { type HttpHarness, startHttpHarness } from "./support/http-harness";
import { SENSITIVE, UPSTREAM_KEY } from "./support/json-upstream";

let harness: HttpHarness;
let rey: AdminContext;
type Refusal = { error: { rule: string; message: string; hint?: string } };

const until = <T>(probe: () => Promise<T | null | undefined | false>, what: string) =>
  waitUntil(probe, { what, timeoutMs: 15_000, intervalMs: 50 });

const CARD = "4111111111111111";

beforeAll(async () => {
  harness = await startHttpHarness();
  const connectionId = harness.connection.id;
  const rule = await reviewerGroup(harness, "finance-leads");
  await rule("new-orders", { methods: ["POST"], path: "/orders" });
  await rule("customer-deletes", { methods: ["DELETE"], path: "/customers/{id}" }, { isBlocking: false });
  await harness.prisma.guardrailRule.create({
    data: { connectionId, name: "no-admin", kind: "HTTP_REQUEST", match: { path: "/admin/**" } },
  });
  await harness.prisma.maskingRule.createMany({
    data: [
      { connectionId, name: "ssn", jsonPointer: "/**/ssn", strategy: "REDACT" },
      { connectionId, name: "cards", detector: "payment_card", strategy: "REDACT" },
      { connectionId, name: "emails", detector: "email", strategy: "REDACT" },
    ],
  });
  await harness.reloadPolicy();
  rey = await consoleUser(harness, {
    subject: "rey",
    email: "rey@example.test",
    idpGroups: ["finance-leads"],
    roles: ["REVIEWER"],
  });
});
afterAll(() => harness?.stop());

const pendingReview = (statementStart: string) =>
  until(
    () =>
      harness.prisma.review.findFirst({
        where: { status: "PENDING", statement: { startsWith: statementStart } },
        orderBy: { number: "desc" },
      }),
    `a pending review of ${statementStart}`,
  );

const upstreamCalls = (method: string, url: string) =>
  harness.upstream.seen.filter((call) => call.method === method && call.url === url).length;

/** A POST on its own socket, which the test can abort (the agent hanging up). */
function postOnOwnSocket(target: string, body: unknown) {
  const controller = new AbortController();
  const response = fetch(`${harness.base}${target}`, {
    method: "POST",
    headers: { authorization: `Bearer ${harness.token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: controller.signal,
  });
  return { response, abort: () => controller.abort() };
}

describe("HTTP reviews: the SQL path's review rules and inbox", () => {
  it("holds a call until a reviewer approves it, then makes it once", async () => {
    const before = upstreamCalls("POST", "/api/orders");
    const call = postOnOwnSocket("/shop/orders", { item: "lamp", card: CARD });
    const review = await pendingReview("POST /shop/orders");
    // Reviewers read the call with the values the connection masks masked (the row keeps it sealed).
    expect(review.statement).toBe('POST /shop/orders\n{"item":"lamp","card":"[REDACTED]"}');
    expect(review.facts).toMatchObject({ kinds: ["HTTP POST"], tables: ["shop/orders"] });
    expect(upstreamCalls("POST", "/api/orders")).toBe(before);
    await decideReview(rey, { reviewId: review.id, input: { verdict: "APPROVE" } });
    const response = await call.response;
    expect(response.status).toBe(201);
    // The upstream's echo is masked on the way back like any response.
    expect(await response.json()).toEqual({ received: { item: "lamp", card: "[REDACTED]" } });
    expect(upstreamCalls("POST", "/api/orders")).toBe(before + 1);
  });

  it("a reviewer's denial refuses the held call, which never reaches the upstream", async () => {
    const before = upstreamCalls("POST", "/api/orders");
    const call = postOnOwnSocket("/shop/orders", { item: "chair" });
    const review = await pendingReview('POST /shop/orders\n{"item":"chair"}');
    await decideReview(rey, { reviewId: review.id, input: { verdict: "DENY", reason: "not this week" } });
    const response = await call.response;
    expect(response.status).toBe(403);
    const refusal = (await response.json()) as Refusal;
    expect(refusal.error.rule).toBe("new-orders");
    expect(refusal.error.message).toContain("not this week");
    expect(upstreamCalls("POST", "/api/orders")).toBe(before);
  });

  it("an agent that hangs up while held abandons the review; approving later runs nothing", async () => {
    const before = upstreamCalls("POST", "/api/orders");
    const call = postOnOwnSocket("/shop/orders", { item: "desk" });
    call.response.catch(() => {});
    const review = await pendingReview('POST /shop/orders\n{"item":"desk"}');
    call.abort();
    await until(
      async () =>
        (await harness.prisma.review.findUnique({ where: { id: review.id } }))?.status === "ABANDONED",
      "the review abandoned",
    );
    expect(upstreamCalls("POST", "/api/orders")).toBe(before);
  });

  it("a non-blocking rule answers at once with the review; the same call runs once approved", async () => {
    const first = await harness.call("/shop/customers/2", { method: "DELETE" });
    expect(first.status).toBe(403);
    const refusal = (await first.json()) as Refusal;
    const review = await harness.prisma.review.findFirstOrThrow({
      where: { statement: "DELETE /shop/customers/2", status: "PENDING" },
    });
    expect(refusal.error).toMatchObject({ rule: "customer-deletes" });
    expect(refusal.error.message).toContain(`review R-${review.number}`);
    expect(refusal.error.hint).toContain("same call");
    // Asking again while pending names the same review rather than opening another.
    const again = (await (await harness.call("/shop/customers/2", { method: "DELETE" })).json()) as Refusal;
    expect(again.error.message).toContain(`review R-${review.number}`);
    expect(upstreamCalls("DELETE", "/api/customers/2")).toBe(0);
    await decideReview(rey, { reviewId: review.id, input: { verdict: "APPROVE" } });
    const approved = await harness.call("/shop/customers/2", { method: "DELETE" });
    expect(approved.status).toBe(200);
    expect(upstreamCalls("DELETE", "/api/customers/2")).toBe(1);
    // An approve-once grant is used up: the next identical call needs a new review.
    expect((await harness.call("/shop/customers/2", { method: "DELETE" })).status).toBe(403);
    // Another customer is another call: the grant never covered it.
    expect((await harness.call("/shop/customers/1", { method: "DELETE" })).status).toBe(403);
    expect(upstreamCalls("DELETE", "/api/customers/1")).toBe(0);
  });
});

/** A call on a socket of its own that closes after it, so its session ends and is anchored. */
function callAndClose(
  method: string,
  target: string,
  body?: unknown,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(`${harness.base}${target}`);
    const request = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method,
        agent: false,
        headers: {
          authorization: `Bearer ${harness.token}`,
          connection: "close",
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
      },
      (response) => {
        const parts: Buffer[] = [];
        response.on("data", (chunk: Buffer) => parts.push(chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(parts).toString() }),
        );
      },
    );
    request.on("error", reject);
    request.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

describe("HTTP recordings and audit", () => {
  it("records each call as a session the replay player shows, with secrets and masked values redacted", async () => {
    const list = await callAndClose("GET", "/shop/customers?limit=2");
    expect(list.status).toBe(200);
    const denied = await callAndClose("GET", "/shop/admin/users");
    expect(denied.status).toBe(403);
    const audit = await until(
      () =>
        harness.prisma.auditEvent.findFirst({
          where: { action: "statement.denied", metadata: { path: ["rule"], equals: "no-admin" } },
        }),
      "the denial audited",
    );
    expect(audit.metadata).toMatchObject({ rule: "no-admin", statement: "GET /shop/admin/users" });
    const session = await until(
      () =>
        harness.prisma.gatewaySession.findFirst({
          where: { id: audit.sessionId ?? "", endedAt: { not: null }, recordingChunks: { gt: 0 } },
        }),
      "the denied call's session ended and anchored",
    );
    expect(session).toMatchObject({ agentId: harness.agent.id, connectionId: harness.connection.id });
    const chunks = await harness.prisma.recordingChunk.findMany({
      where: { sessionId: session.id },
      orderBy: { seq: "asc" },
    });
    const events = chunks.flatMap((chunk) => unpackChunk(chunk.payload)) as RecordingEvent[];
    expect(events.map((event) => event.type)).toEqual([
      "connect",
      "http-request",
      "verdict",
      "http-response",
      "end",
    ]);
    expect(events[1]).toMatchObject({ method: "GET", target: "/shop/admin/users" });
    expect(events[2]).toMatchObject({ kind: "deny", rule: "no-admin" });
    expect(events[3]).toMatchObject({ status: 403 });
    expect(session).toMatchObject({ statementCount: 1, deniedCount: 1 });
  });

  it("keeps responses as the agent got them and request bodies redacted; never a token or key", async () => {
    const posted = callAndClose("POST", "/shop/orders", { item: "pen", card: CARD, ssn: "123-45-6789" });
    const review = await pendingReview('POST /shop/orders\n{"item":"pen"');
    await decideReview(rey, { reviewId: review.id, input: { verdict: "APPROVE" } });
    expect((await posted).status).toBe(201);
    const session = await until(
      () =>
        harness.prisma.gatewaySession.findFirst({
          where: { reviews: { some: { id: review.id } }, endedAt: { not: null }, recordingChunks: { gt: 0 } },
        }),
      "the reviewed call's session anchored",
    );
    const chunks = await harness.prisma.recordingChunk.findMany({ where: { sessionId: session.id } });
    const events = chunks.flatMap((chunk) => unpackChunk(chunk.payload)) as RecordingEvent[];
    const text = JSON.stringify(events);
    expect(SENSITIVE.filter((value) => text.includes(value))).toEqual([]);
    expect(text).not.toContain(harness.token);
    expect(text).not.toContain(UPSTREAM_KEY);
    expect(events.filter((event) => event.type === "verdict").map((event) => event.kind)).toEqual([
      "hold",
      "allow",
    ]);
    const request = events.find((event) => event.type === "http-request");
    expect(request).toMatchObject({ method: "POST", target: "/shop/orders" });
    expect(JSON.parse((request as { body: string }).body)).toEqual({
      item: "pen",
      card: "[REDACTED]",
      ssn: "[REDACTED]",
    });
    const response = events.find((event) => event.type === "http-response");
    expect(response).toMatchObject({ status: 201, contentType: "application/json; charset=utf-8" });
    const screen = renderFrames(events)
      .map((frame) => frame.text)
      .join("")
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the terminal's colour codes
      .replace(/\x1b\[[0-9;]*m/g, "");
    expect(screen).toContain("shop> POST /shop/orders");
    expect(screen).toContain("HTTP 201");
    expect(screen).toContain("held for review (new-orders)");
  });
});
