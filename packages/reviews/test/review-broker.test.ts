import { FakeClock } from "@sluice/db/testing";
import type { ReviewRequest } from "@sluice/policy/decision-point";
import type { Verdict } from "@sluice/policy/verdict";
import { loadParser } from "@sluice/sql/parser";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { until } from "../../../test/until";
import { isGoneFromThisHost } from "../src/gateway-liveness";
import { ReviewBroker } from "../src/review-broker";
import { reviewedCallKeys } from "../src/reviewed-call-seal";
import { FakeLiveness, FakeReviewStore } from "./fake-review-store";

const GATEWAY = "host-a:100:abcd1234";
const TIMEOUT_SECONDS = 300;
const KEYS = reviewedCallKeys(Buffer.alloc(32, 7));

function request(sql = "SELECT salary FROM staff"): ReviewRequest {
  return {
    identity: {
      agentId: "agent-1",
      agentName: "analyst",
      groups: ["analysts"],
      connectionId: "conn-1",
      connectionName: "warehouse",
      sessionId: "session-1",
    },
    sql,
    rule: "salaries",
    reviewerGroups: ["ops"],
    message: "reads salaries",
    touches: { kinds: ["select"], tables: ["public.staff"], columns: ["salary"] },
    onApproval: { kind: "allow", maskedTables: ["public.staff"] },
  };
}

let store: FakeReviewStore;
let liveness: FakeLiveness;
let clock: FakeClock;
let logs: string[];
let broker: ReviewBroker;

beforeAll(() => loadParser());

beforeEach(() => {
  store = new FakeReviewStore();
  store.rules.set("salaries", { id: "rule-1", timeoutSeconds: TIMEOUT_SECONDS, isBlocking: true });
  liveness = new FakeLiveness();
  clock = new FakeClock();
  logs = [];
  broker = new ReviewBroker({
    store,
    liveness,
    gatewayId: GATEWAY,
    statementKeys: KEYS,
    clock,
    log: (line) => logs.push(line),
  });
});

async function hold(sql?: string): Promise<Extract<Verdict, { kind: "hold" }>> {
  const verdict = await broker.request(request(sql));
  if (verdict.kind !== "hold") throw new Error(`expected a hold, got ${JSON.stringify(verdict)}`);
  return verdict;
}

describe("review broker: blocking reviews", () => {
  it("holds the statement and releases it with the approver's name once approved", async () => {
    const held = await hold();
    expect(held.message).toBe("waiting for approval: review R-1001 by ops (expires in 5 min)");
    const review = store.only();
    expect(review).toMatchObject({ status: "PENDING", isBlocking: true, gatewayId: GATEWAY });
    store.approve(review.id, "alice@example.com");
    broker.onDecided(review.id);
    expect(await held.release).toEqual({
      kind: "allow",
      maskedTables: ["public.staff"],
      note: "review R-1001 approved once by alice@example.com",
    });
    expect(review.status).toBe("EXECUTED");
    expect(store.grants[0]?.usedAt).not.toBeNull();
    expect(broker.heldCount).toBe(0);
  });

  it("refuses the statement with the reviewer's reason when denied", async () => {
    const held = await hold();
    store.deny(store.only().id, "bob@example.com", "not during the audit");
    broker.onDecided(store.only().id);
    expect(await held.release).toMatchObject({
      kind: "deny",
      code: "42501",
      message: "review R-1001 was denied by bob@example.com: not during the audit",
    });
  });

  it("expires the review at its deadline, by the clock, and refuses the statement", async () => {
    const held = await hold();
    clock.advance(TIMEOUT_SECONDS * 1000 - 1);
    expect(broker.heldCount).toBe(1);
    clock.advance(1);
    expect(await held.release).toMatchObject({
      kind: "deny",
      message: "review R-1001 expired without a decision; nothing was run",
    });
    expect(store.only().status).toBe("EXPIRED");
    expect(store.audit).toContainEqual({ action: "review.expired", reviewId: store.only().id, by: "SYSTEM" });
  });

  it("runs a statement approved just before the deadline whose notification had not arrived", async () => {
    const held = await hold();
    store.approve(store.only().id, "alice@example.com");
    clock.advance(TIMEOUT_SECONDS * 1000);
    expect(await held.release).toMatchObject({
      kind: "allow",
      note: "review R-1001 approved once by alice@example.com",
    });
  });

  it("refuses when another execution already spent the approval", async () => {
    const held = await hold();
    const review = store.only();
    store.approve(review.id, "alice@example.com");
    const grant = store.grants[0];
    if (grant) grant.usedAt = new Date(clock.now());
    broker.onDecided(review.id);
    expect(await held.release).toMatchObject({
      kind: "deny",
      message: "review R-1001's approval was already used by another execution; nothing was run",
    });
  });

  it("settles a decision the poll finds when no notification came", async () => {
    const held = await hold();
    store.approve(store.only().id, "alice@example.com");
    await broker.poll();
    expect(await held.release).toMatchObject({ kind: "allow" });
  });

  it("expires on a later poll what the deadline timer could not, while the store was down", async () => {
    const held = await hold();
    store.isDown = true;
    clock.advance(TIMEOUT_SECONDS * 1000);
    await expect(broker.poll()).rejects.toThrow("store unavailable");
    expect(broker.heldCount).toBe(1);
    store.isDown = false;
    await broker.poll();
    expect(await held.release).toMatchObject({
      message: "review R-1001 expired without a decision; nothing was run",
    });
    expect(logs).toContain("review expire failed: Error: store unavailable");
  });

  it("refuses at once and abandons the review when the client withdraws", async () => {
    const held = await hold();
    held.withdraw?.("the client cancelled the statement");
    expect(await held.release).toMatchObject({ kind: "deny", message: "the client cancelled the statement" });
    await broker.poll(); // the abandon runs in the background; a poll is a point after it
    expect(store.only().status).toBe("ABANDONED");
    // A late approval announcement finds nothing held.
    broker.onDecided(store.only().id);
    expect(broker.heldCount).toBe(0);
  });

  it("refuses and abandons everything held when the gateway closes, then refuses new requests", async () => {
    const first = await hold("SELECT 1 FROM staff");
    const second = await hold("SELECT 2 FROM staff");
    expect(await broker.close()).toBe(2);
    for (const held of [first, second]) {
      expect(await held.release).toMatchObject({
        kind: "deny",
        message: expect.stringContaining("the gateway shut down"),
      });
    }
    expect([...store.reviews.values()].map((review) => review.status)).toEqual(["ABANDONED", "ABANDONED"]);
    expect(await broker.request(request())).toMatchObject({
      message: "the gateway is shutting down; try again",
    });
  });

  it("refuses and abandons a review the shutdown began under, before its statement was held", async () => {
    // The review's row is written (visible to reviewers) before the broker holds its statement.
    let resumeAudit = () => {};
    const auditWritten = new Promise<void>((resolve) => {
      resumeAudit = resolve;
    });
    const audit = store.auditAgent;
    store.auditAgent = async (entry) => {
      if (entry.action === "review.requested") await auditWritten;
      return audit(entry);
    };
    const verdict = broker.request(request());
    await until(() => store.reviews.size === 1, { what: "the review row" });
    expect(await broker.close()).toBe(0);
    resumeAudit();
    expect(await verdict).toMatchObject({
      kind: "deny",
      message: "the gateway shut down while review R-1001 was pending; it was abandoned and will not run",
    });
    expect(store.only().status).toBe("ABANDONED");
    expect(broker.heldCount).toBe(0);
  });

  it("refuses a statement whose rule is no longer configured", async () => {
    store.rules.clear();
    expect(await broker.request(request())).toMatchObject({
      kind: "deny",
      message: 'review rule "salaries" is no longer configured; try again',
    });
    expect(store.reviews.size).toBe(0);
  });
});

describe("review broker: non-blocking reviews and grants", () => {
  beforeEach(() => {
    store.rules.set("salaries", { id: "rule-1", timeoutSeconds: TIMEOUT_SECONDS, isBlocking: false });
  });

  it("refuses with the pending review's number, reuses it on a retry, and runs once after approval", async () => {
    const refusal = await broker.request(request());
    expect(refusal).toMatchObject({
      kind: "deny",
      message:
        'approval required by review rule "salaries": review R-1001 by ops is pending (expires in 5 min); run the exact same statement again once it is approved',
    });
    expect(await broker.request(request())).toEqual(refusal);
    expect(store.reviews.size).toBe(1);
    store.approve(store.only().id, "alice@example.com");
    expect(await broker.request(request())).toMatchObject({
      kind: "allow",
      note: "approved once (retried after approval)",
    });
    expect(store.only().status).toBe("EXECUTED");
    expect(store.audit).toContainEqual({ action: "review.executed", reviewId: store.only().id, by: "AGENT" });
    // Spent: the next run asks again.
    expect(await broker.request(request())).toMatchObject({ kind: "deny" });
    expect(store.reviews.size).toBe(2);
  });

  it("stores a typed sensitive value redacted, and still finds the exact statement on a retry", async () => {
    const sql = "SELECT salary FROM staff WHERE ssn = '123-45-6789'";
    await broker.request(request(sql));
    expect(store.only().statement).toBe("SELECT salary FROM staff WHERE ssn = '[REDACTED]'");
    store.approve(store.only().id, "alice@example.com");
    expect(await broker.request(request(sql))).toMatchObject({ kind: "allow" });
  });

  it("lets a window grant cover any statement of the rule until it ends", async () => {
    await broker.request(request());
    store.approve(store.only().id, "alice@example.com", "WINDOW", new Date(clock.now() + 60_000));
    expect(await broker.request(request("SELECT name FROM staff"))).toMatchObject({
      kind: "allow",
      note: "window grant of review R-1001",
    });
    clock.advance(60_000);
    expect(await broker.request(request("SELECT name FROM staff"))).toMatchObject({ kind: "deny" });
  });

  it("expires stale non-blocking reviews on the poll", async () => {
    await broker.request(request());
    clock.advance(TIMEOUT_SECONDS * 1000);
    await broker.poll();
    expect(store.only().status).toBe("EXPIRED");
  });
});

describe("review broker: cluster liveness", () => {
  it("abandons the reviews of a holder that went silent", async () => {
    store.rules.set("salaries", { id: "rule-1", timeoutSeconds: TIMEOUT_SECONDS, isBlocking: true });
    const other = new ReviewBroker({
      store,
      liveness,
      gatewayId: "host-b:7:ffff0000",
      statementKeys: KEYS,
      clock,
      log: () => {},
    });
    const held = await other.request(request());
    expect(held.kind).toBe("hold");
    liveness.silent = [{ id: store.only().id, gatewayId: "host-b:7:ffff0000" }];
    await broker.poll();
    expect(store.only().status).toBe("ABANDONED");
  });

  it("abandons at start-up the reviews of dead processes on this host, not its own or live ones", async () => {
    const self = { host: "host-a", pid: 100, isAlive: (pid: number) => pid === 200 };
    const local = new ReviewBroker({
      store,
      liveness,
      gatewayId: GATEWAY,
      statementKeys: KEYS,
      clock,
      log: () => {},
      self,
    });
    for (const [id, gatewayId] of [
      ["review-dead", "host-a:300:1111aaaa"],
      ["review-live", "host-a:200:2222bbbb"],
      ["review-own", GATEWAY],
      ["review-predecessor", "host-a:100:3333cccc"],
      ["review-old-format", "host-a:301"],
    ] as const) {
      store.reviews.set(id, { ...emptyRow(id), gatewayId });
      liveness.onHost.push({ id, gatewayId });
    }
    await local.abandonOrphans();
    const statuses = Object.fromEntries([...store.reviews.values()].map((row) => [row.id, row.status]));
    expect(statuses).toEqual({
      "review-dead": "ABANDONED",
      "review-live": "PENDING",
      "review-own": "PENDING",
      "review-predecessor": "ABANDONED",
      "review-old-format": "ABANDONED",
    });
  });

  it("never takes another host's holder for one of its own", () => {
    const self = { host: "host-a", pid: 1, isAlive: () => false };
    expect(isGoneFromThisHost("host-ab:2:0000", "host-a:1:x", self)).toBe(false);
    expect(isGoneFromThisHost("host-a:2:0000", "host-a:1:x", self)).toBe(true);
  });
});

function emptyRow(id: string) {
  return {
    id,
    number: 1,
    status: "PENDING" as const,
    agentId: "agent-1",
    connectionId: "conn-1",
    statement: "SELECT 1",
    statementHash: id,
    isBlocking: true,
    gatewayId: null,
    expiresAt: new Date(8.64e15),
    approvers: [],
    denial: null,
  };
}
