import type { AdminContext } from "@sluice/admin/actor";
import type { AdminError } from "@sluice/admin/admin-error";
import { decideReview } from "@sluice/admin/decide-review";
import { unpackChunk } from "@sluice/recording/chunk-codec";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "./support/gateway-harness";
import {
  connect as connectAgent,
  type ReviewStage,
  SALARIES,
  startReviewStage,
  until,
} from "./support/review-stage";

/** Statements held for human review in one gateway: hold, notice, decisions, grants, expiry. */
let stage: ReviewStage;
let harness: Harness;
let rey: AdminContext;
let fin: AdminContext;
let outsider: AdminContext;
beforeAll(async () => {
  stage = await startReviewStage();
  ({ harness, rey, fin, outsider } = stage);
});
afterAll(() => harness?.stop());

const connect = (url = harness.url) => connectAgent(url);
const pendingReview = (statement?: string) => stage.pendingReview(statement);

describe("held statements", () => {
  it("hold only the asking session, tell it why at once, and run with masking when approved", async () => {
    const agent = await connect();
    const other = await connect();
    try {
      const pending = agent.client.query(SALARIES);
      const review = await pendingReview();
      await until(
        async () => agent.notices.find((notice) => notice.includes(`review R-${review.number}`)),
        "the notice",
      );
      expect(agent.notices[0]).toBe(
        `waiting for approval: review R-${review.number} by finance-leads (expires in 10 min)`,
      );
      // Everything else flows meanwhile.
      expect((await other.client.query("SELECT 41 + 1 AS n")).rows).toEqual([{ n: 42 }]);
      expect(review.facts).toMatchObject({ tables: ["employees"], kinds: ["SELECT"] });

      await decideReview(rey, { reviewId: review.id, input: { verdict: "APPROVE" } });
      const result = await pending;
      expect(result.rows).toEqual([
        { first_name: "[REDACTED]", salary: "120000" },
        { first_name: "[REDACTED]", salary: "95000" },
      ]);
      const after = await harness.prisma.review.findUniqueOrThrow({ where: { id: review.id } });
      expect(after.status).toBe("EXECUTED");
      const actions = await harness.prisma.auditEvent.findMany({
        where: { targetId: review.id },
        orderBy: { id: "asc" },
      });
      expect(actions.map((event) => event.action)).toEqual([
        "review.requested",
        "review.approved",
        "review.executed",
      ]);

      // Approve-once was spent: the same statement waits again.
      const again = agent.client.query(SALARIES);
      const second = await until(
        () =>
          harness.prisma.review.findFirst({
            where: { status: "PENDING", statement: SALARIES, number: { gt: review.number } },
          }),
        "a second review",
      );
      await decideReview(rey, { reviewId: second.id, input: { verdict: "DENY", reason: "not this week" } });
      await expect(again).rejects.toThrow(
        `review R-${second.number} was denied by rey@example.test: not this week`,
      );
      // The session carries on after a denial.
      expect((await agent.client.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    } finally {
      await agent.client.end();
      await other.client.end();
    }
  });

  it("the session's recording shows the hold and who approved it", async () => {
    const agent = await connect();
    const pending = agent.client.query("SELECT salary FROM employees WHERE id = 1 AND id > 0");
    const review = await pendingReview("SELECT salary FROM employees WHERE id = 1 AND id > 0");
    await decideReview(rey, { reviewId: review.id, input: { verdict: "APPROVE" } });
    await pending;
    await agent.client.end();
    const events = await until(async () => {
      const chunks = await harness.prisma.recordingChunk.findMany({
        where: { sessionId: review.sessionId ?? "" },
        orderBy: { seq: "asc" },
      });
      const decoded = chunks.flatMap((chunk) => unpackChunk(chunk.payload));
      return decoded.at(-1)?.type === "end" ? decoded : null;
    }, "the recording");
    const verdicts = events.filter((event) => event.type === "verdict");
    expect(verdicts.map((event) => (event.type === "verdict" ? [event.kind, event.message] : []))).toEqual([
      ["hold", `waiting for approval: review R-${review.number} by finance-leads (expires in 10 min)`],
      ["allow", `review R-${review.number} approved once by rey@example.test`],
    ]);
  });

  it("an approve-once prepared statement runs once: binding it again needs a new approval", async () => {
    const agent = await connect();
    try {
      const text = "SELECT salary FROM employees WHERE id = $1";
      const first = agent.client.query({ name: "pay", text, values: [1] });
      const review = await pendingReview(text);
      await decideReview(rey, { reviewId: review.id, input: { verdict: "APPROVE" } });
      expect((await first).rows).toEqual([{ salary: "120000" }]);
      // node-postgres binds the named statement again without a new Parse.
      const again = agent.client.query({ name: "pay", text, values: [2] });
      const second = await until(
        () =>
          harness.prisma.review.findFirst({
            where: { status: "PENDING", statement: text, number: { gt: review.number } },
          }),
        "a second review",
      );
      await decideReview(rey, { reviewId: second.id, input: { verdict: "DENY", reason: "one was enough" } });
      await expect(again).rejects.toThrow("one was enough");
    } finally {
      await agent.client.end();
    }
  });

  it("a window grant lets the agent run the rule's statements for N minutes", async () => {
    const agent = await connect();
    try {
      const pending = agent.client.query(SALARIES);
      const review = await pendingReview();
      await decideReview(rey, {
        reviewId: review.id,
        input: { verdict: "APPROVE", grantKind: "WINDOW", windowMinutes: 10 },
      });
      expect((await pending).rowCount).toBe(2);
      const other = await agent.client.query("SELECT max(salary) AS top FROM employees");
      expect(other.rows).toEqual([{ top: "120000" }]);
      expect(agent.notices.filter((notice) => notice.startsWith("waiting for approval"))).toHaveLength(1);
    } finally {
      await agent.client.end();
      await harness.prisma.reviewGrant.deleteMany({ where: { kind: "WINDOW" } });
    }
  });

  it("non-blocking: the agent gets the review id at once, and the exact same statement runs once after approval", async () => {
    const agent = await connect();
    try {
      const statement = "SELECT amount FROM payroll";
      const refused = await agent.client.query(statement).catch((error: pg.DatabaseError) => error);
      expect(refused).toBeInstanceOf(Error);
      expect((refused as Error).message).toMatch(
        /^approval required by review rule "payroll-reads": review R-\d+ by finance-leads is pending/,
      );
      const review = await pendingReview(statement);
      expect((refused as Error).message).toContain(`R-${review.number}`);
      // Asking again while pending does not pile up reviews.
      await agent.client.query(statement).catch(() => {});
      expect(await harness.prisma.review.count({ where: { statement } })).toBe(1);

      await decideReview(rey, { reviewId: review.id, input: { verdict: "APPROVE" } });
      expect((await agent.client.query(statement)).rows).toEqual([{ amount: "10" }]);
      expect((await harness.prisma.review.findUniqueOrThrow({ where: { id: review.id } })).status).toBe(
        "EXECUTED",
      );
      await expect(agent.client.query(statement)).rejects.toThrow(/approval required/);
      // Not a different statement: the grant is for the exact text.
      await expect(agent.client.query("SELECT amount FROM payroll WHERE id = 1")).rejects.toThrow(
        /approval required/,
      );
    } finally {
      await agent.client.end();
    }
  });

  it("expires without a decision; an approval after expiry changes nothing", async () => {
    const agent = await connect();
    try {
      const started = Date.now();
      await expect(agent.client.query("SELECT * FROM ledger")).rejects.toThrow(
        /expired without a decision; nothing was run/,
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
      const review = await harness.prisma.review.findFirstOrThrow({
        where: { statement: "SELECT * FROM ledger" },
      });
      expect(review.status).toBe("EXPIRED");
      const late = await decideReview(fin, { reviewId: review.id, input: { verdict: "APPROVE" } }).catch(
        (error: unknown) => error,
      );
      expect((late as AdminError).kind).toBe("conflict");
      expect(await harness.prisma.reviewGrant.count({ where: { reviewId: review.id } })).toBe(0);
    } finally {
      await agent.client.end();
    }
  });

  it("decisions follow the rules: members only, a deny needs a reason, all-of needs every group", async () => {
    const agent = await connect();
    try {
      const pending = agent.client.query("SELECT id FROM ledger WHERE id > 0");
      pending.catch(() => {});
      const review = await pendingReview("SELECT id FROM ledger WHERE id > 0");
      const notMember = await decideReview(outsider, {
        reviewId: review.id,
        input: { verdict: "APPROVE" },
      }).catch((e: unknown) => e);
      expect((notMember as AdminError).kind).toBe("forbidden");
      const noReason = await decideReview(rey, { reviewId: review.id, input: { verdict: "DENY" } }).catch(
        (e: unknown) => e,
      );
      expect((noReason as AdminError).fields).toHaveProperty("reason");
      // ledger-reads is any-of finance-leads/security with one approval: rey suffices.
      const decided = await decideReview(rey, { reviewId: review.id, input: { verdict: "APPROVE" } });
      expect(decided.status).toBe("APPROVED");
      expect((await pending).rows).toEqual([{ id: 1 }]);
      const twice = await decideReview(fin, { reviewId: review.id, input: { verdict: "APPROVE" } }).catch(
        (e: unknown) => e,
      );
      expect((twice as AdminError).kind).toBe("conflict");

      await harness.prisma.reviewRule.updateMany({
        where: { name: "ledger-reads" },
        data: { mode: "ALL_OF", timeoutSeconds: 60 },
      });
      const allOf = agent.client.query("SELECT count(*) AS n FROM ledger");
      const second = await pendingReview("SELECT count(*) AS n FROM ledger");
      expect((await decideReview(rey, { reviewId: second.id, input: { verdict: "APPROVE" } })).status).toBe(
        "PENDING",
      );
      expect((await decideReview(fin, { reviewId: second.id, input: { verdict: "APPROVE" } })).status).toBe(
        "APPROVED",
      );
      expect((await allOf).rows).toEqual([{ n: "1" }]);
    } finally {
      await harness.prisma.reviewRule.updateMany({
        where: { name: "ledger-reads" },
        data: { mode: "ANY_OF", timeoutSeconds: 2 },
      });
      await agent.client.end();
    }
  });

  it("a client that disconnects while held abandons its review; nothing runs later", async () => {
    const agent = await connect();
    const pending = agent.client.query("SELECT salary FROM employees WHERE id = 2");
    pending.catch(() => {});
    const review = await pendingReview("SELECT salary FROM employees WHERE id = 2");
    await agent.client.end().catch(() => {});
    await until(
      async () =>
        (await harness.prisma.review.findUniqueOrThrow({ where: { id: review.id } })).status === "ABANDONED",
      "abandonment",
    );
    const late = await decideReview(rey, { reviewId: review.id, input: { verdict: "APPROVE" } }).catch(
      (e: unknown) => e,
    );
    expect((late as AdminError).kind).toBe("conflict");
  });
});
