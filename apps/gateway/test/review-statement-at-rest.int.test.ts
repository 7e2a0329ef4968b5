import { createHash } from "node:crypto";
import type { AdminContext } from "@sluice/admin/actor";
import { decideReview } from "@sluice/admin/decide-review";
import { unpackChunk } from "@sluice/recording/chunk-codec";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "./support/gateway-harness";
import { connect, type ReviewStage, startReviewStage, until } from "./support/review-stage";

/**
 * A held statement's review row is read by reviewers, the audit log and webhooks: a value the agent
 * typed into it must not rest there in clear (as the recording keeps it), and the hash that finds it
 * again must not give the value back to a guess.
 */
let stage: ReviewStage;
let harness: Harness;
let rey: AdminContext;
beforeAll(async () => {
  stage = await startReviewStage();
  ({ harness, rey } = stage);
});
afterAll(() => harness?.stop());

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

async function auditTextOf(reviewId: string): Promise<string> {
  const events = await harness.prisma.auditEvent.findMany({ where: { targetId: reviewId } });
  return JSON.stringify(events.map((event) => event.metadata));
}

describe("a held statement at rest", () => {
  it("touching a masked table: its literals are redacted in the row and the audit, and it runs once approved", async () => {
    const agent = await connect(harness.url);
    try {
      const sql = "SELECT salary FROM employees WHERE first_name = 'Ada' AND id > 0";
      const pending = agent.client.query(sql);
      const review = await stage.pendingReview(
        "SELECT salary FROM employees WHERE first_name = '[REDACTED]' AND id > 0",
      );
      expect(review.statementHash).not.toBe(sha256(sql));
      expect(await auditTextOf(review.id)).not.toContain("Ada");
      await decideReview(rey, { reviewId: review.id, input: { verdict: "APPROVE" } });
      // What runs is what the agent sent, not the redacted copy.
      expect((await pending).rows).toEqual([{ salary: "120000" }]);
    } finally {
      await agent.client.end();
    }
  });

  it("literals are bounded by the server's own lexer: a dollar-quoted value and a comment are redacted too", async () => {
    const agent = await connect(harness.url);
    try {
      const sql = "SELECT salary FROM employees WHERE first_name = $q$Ada$q$ /* Lovelace */ AND id > 0";
      const pending = agent.client.query(sql);
      const review = await stage.pendingReview(
        "SELECT salary FROM employees WHERE first_name = '[REDACTED]' /* [REDACTED] */ AND id > 0",
      );
      expect(await auditTextOf(review.id)).not.toMatch(/Ada|Lovelace/);
      await decideReview(rey, { reviewId: review.id, input: { verdict: "APPROVE" } });
      expect((await pending).rows).toEqual([{ salary: "120000" }]);
      await agent.client.end();
      const recorded = await until(async () => {
        const chunks = await harness.prisma.recordingChunk.findMany({
          where: { sessionId: review.sessionId ?? "" },
          orderBy: { seq: "asc" },
        });
        const events = chunks.flatMap((chunk) => unpackChunk(chunk.payload));
        return events.at(-1)?.type === "end" ? JSON.stringify(events) : null;
      }, "the recording");
      expect(recorded).toContain("first_name = '[REDACTED]' /* [REDACTED] */ AND id > 0");
      expect(recorded).not.toMatch(/Lovelace|\$q\$/);
    } finally {
      await agent.client.end().catch(() => {});
    }
  });

  it("a detected value is redacted even where no table is masked, and the exact retry still finds its approval", async () => {
    const agent = await connect(harness.url);
    try {
      const card = "4111111111111111";
      const sql = `SELECT amount FROM payroll WHERE id::text <> '${card}'`;
      await expect(agent.client.query(sql)).rejects.toThrow(/review R-\d+ by finance-leads is pending/);
      const review = await until(
        () =>
          harness.prisma.review.findFirst({
            where: { status: "PENDING", statement: { contains: "payroll" } },
          }),
        "the payroll review",
      );
      expect(review.statement).not.toContain(card);
      expect(review.statement).toContain("SELECT amount FROM payroll WHERE id::text <> '");
      expect(review.statementHash).not.toBe(sha256(sql));
      expect(await auditTextOf(review.id)).not.toContain(card);
      await decideReview(rey, { reviewId: review.id, input: { verdict: "APPROVE" } });
      expect((await agent.client.query(sql)).rows).toEqual([{ amount: "10" }]);
      const after = await harness.prisma.review.findUniqueOrThrow({ where: { id: review.id } });
      expect(after.status).toBe("EXECUTED");
    } finally {
      await agent.client.end();
    }
  });
});
