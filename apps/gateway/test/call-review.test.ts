import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { HttpRequestFacts } from "@sluice/http-policy/read-request";
import type { ReviewRequest } from "@sluice/policy/decision-point";
import type { Verdict } from "@sluice/policy/verdict";
import { afterEach, describe, expect, it } from "vitest";
import { reviewCall } from "../src/http/call-review";

// A held HTTP call is withdrawn when its agent hangs up. The hang-up can come while the broker is
// still writing the review row (reviewers can already see it): the call must be withdrawn then too,
// or the review waits for a client that is gone and an approval would run the call for no one.

const FACTS: HttpRequestFacts = {
  connectionName: "shop",
  method: "POST",
  path: "/orders",
  segments: ["orders"],
  query: new Map(),
  canonicalQuery: "",
  body: { item: "desk" },
  hasBody: true,
};

/** A broker whose review is written only when the test says so; its hold settles only by withdrawal. */
function slowBroker() {
  const withdrawals: string[] = [];
  let asked: () => void = () => {};
  const isAsked = new Promise<void>((resolve) => {
    asked = resolve;
  });
  let written: () => void = () => {};
  const isWritten = new Promise<void>((resolve) => {
    written = resolve;
  });
  const broker = {
    request: async (_request: ReviewRequest): Promise<Verdict> => {
      asked();
      await isWritten;
      let settle: (verdict: Verdict) => void = () => {};
      const release = new Promise<Verdict>((resolve) => {
        settle = resolve;
      });
      return {
        kind: "hold",
        rule: "new-orders",
        message: "waiting for approval: review R-1",
        release,
        withdraw: (reason) => {
          withdrawals.push(reason);
          settle({ kind: "deny", rule: "new-orders", message: reason });
        },
      };
    },
  };
  return { broker, isAsked, writeReview: () => written(), withdrawals };
}

let server: http.Server | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
});

describe("a held HTTP call", () => {
  it("is withdrawn when its agent hung up while the review was being written", async () => {
    const { broker, isAsked, writeReview, withdrawals } = slowBroker();
    let outcome: Promise<Verdict> | undefined;
    let responseClosed: Promise<unknown> | undefined;
    server = http.createServer((request, response) => {
      request.resume();
      responseClosed = once(response, "close");
      outcome = reviewCall({
        broker,
        identity: {
          agentId: "agent-1",
          agentName: "bot",
          groups: [],
          connectionId: "connection-1",
          connectionName: "shop",
          sessionId: "session-1",
        },
        call: 'POST /shop/orders\n{"item":"desk"}',
        facts: FACTS,
        verdict: { kind: "review", rule: "new-orders", reviewerGroups: ["leads"], message: "needs approval" },
        protectedText: { shown: "POST /shop/orders", sealed: "sealed", hash: "hash" },
        response,
        onHold: () => {},
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    const client = http.request({
      host: "127.0.0.1",
      port,
      method: "POST",
      path: "/shop/orders",
      agent: false,
    });
    client.on("error", () => {});
    client.end('{"item":"desk"}');

    await isAsked;
    client.destroy();
    await responseClosed;
    writeReview();

    expect(await outcome).toMatchObject({ kind: "deny", rule: "new-orders" });
    expect(withdrawals).toEqual(["the agent closed the connection while the call waited for review"]);
  });
});
