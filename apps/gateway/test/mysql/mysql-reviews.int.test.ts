import { readFileSync } from "node:fs";
import type { AdminContext } from "@sluice/admin/actor";
import { actorForUser } from "@sluice/admin/api-tokens";
import { decideReview } from "@sluice/admin/decide-review";
import { bumpPolicyVersion } from "@sluice/db/policy-version";
import { unpackChunk } from "@sluice/recording/chunk-codec";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until as waitUntil } from "../../../../test/until";
import { type Harness, startHarness } from "../support/gateway-harness";
import { createMariaStage, type MariaStage } from "../support/maria-stage";

/**
 * Review rules on a MySQL connection, as `sluice start` composes it: the statement is held in the
 * session until a reviewer decides in the store (the same broker as the Postgres path), then runs;
 * a denial or an expiry reaches the mysql2 client as an ERR packet that says why.
 */
let harness: Harness;
let stage: MariaStage;
let rey: AdminContext;

const until = <T>(probe: () => Promise<T | null | undefined>, what: string, timeoutMs = 15_000) =>
  waitUntil(probe, { what, timeoutMs, intervalMs: 50 });

beforeAll(async () => {
  stage = await createMariaStage(
    "reviewed",
    (database) => `
      CREATE TABLE ${database}.payroll (id INT PRIMARY KEY, amount INT);
      INSERT INTO ${database}.payroll VALUES (1, 120000), (2, 95000);
      CREATE TABLE ${database}.ledger (id INT PRIMARY KEY);
      INSERT INTO ${database}.ledger VALUES (1);
    `,
  );
  harness = await startHarness({ mysqlPort: 0 });
  const mariaId = await stage.addConnection(harness);
  const finance = await harness.prisma.reviewerGroup.create({
    data: { name: "finance-leads", idpGroup: "finance-leads" },
  });
  const rule = (name: string, table: string, extra: object) =>
    harness.prisma.reviewRule.create({
      data: {
        connectionId: mariaId,
        name,
        match: { tables: [`${stage.database}.${table}`] },
        ...extra,
        groups: { create: [{ groupId: finance.id }] },
      },
    });
  await rule("payroll-reads", "payroll", {});
  await rule("ledger-reads", "ledger", { timeoutSeconds: 2 });
  await bumpPolicyVersion(harness.prisma);
  await harness.gateway.policies.reload();
  const reviewer = await harness.prisma.user.create({
    data: {
      issuer: "https://idp.test",
      subject: "rey@example.test",
      email: "rey@example.test",
      idpGroups: ["finance-leads"],
      roles: ["REVIEWER"],
    },
  });
  const actor = await actorForUser(harness.prisma, reviewer.id);
  if (!actor) throw new Error("no actor for the reviewer");
  rey = { db: harness.prisma, actor, secretKey: harness.secretKey };
});
afterAll(async () => {
  await harness?.stop();
  await stage?.drop();
});

const connect = () =>
  mysql.createConnection({
    host: "127.0.0.1",
    port: harness.gateway.mysqlPort as number,
    user: harness.agent.name,
    password: harness.token,
    database: "maria",
    ssl: { ca: readFileSync(harness.caFile as string, "utf8") },
  });

const pendingReview = (statement: string) =>
  until(
    () =>
      harness.prisma.review.findFirst({
        where: { status: "PENDING", statement },
        orderBy: { number: "desc" },
      }),
    "a pending review",
  );

describe("review rules on a MySQL connection", () => {
  it("hold the statement until a reviewer approves, then run it; other sessions flow meanwhile", async () => {
    const agent = await connect();
    const other = await connect();
    try {
      const sql = "SELECT id, amount FROM payroll ORDER BY id";
      const pending = agent.query(sql);
      const review = await pendingReview(sql);
      expect(review.facts).toMatchObject({ kinds: ["SELECT"] });
      const [flowing] = await other.query("SELECT 41 + 1 AS n");
      expect(flowing).toEqual([{ n: 42 }]);
      await decideReview(rey, { reviewId: review.id, input: { verdict: "APPROVE" } });
      const [rows] = await pending;
      expect(rows).toEqual([
        { id: 1, amount: 120000 },
        { id: 2, amount: 95000 },
      ]);
      const after = await harness.prisma.review.findUniqueOrThrow({ where: { id: review.id } });
      expect(after.status).toBe("EXECUTED");
    } finally {
      await agent.end();
      await other.end();
    }
  });

  it("a denial is an ERR packet with the reviewer's reason, and the session carries on", async () => {
    const agent = await connect();
    try {
      const sql = "SELECT amount FROM payroll WHERE id = 2";
      const pending = agent.query(sql).catch((error: { errno?: number; message: string }) => error);
      const review = await pendingReview(sql);
      await decideReview(rey, { reviewId: review.id, input: { verdict: "DENY", reason: "not this week" } });
      const refused = await pending;
      expect(refused).toMatchObject({ errno: 1227 });
      expect((refused as Error).message).toContain(
        `review R-${review.number} was denied by rey@example.test: not this week`,
      );
      const [rows] = await agent.query("SELECT 1 AS one");
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await agent.end();
    }
  });

  it("expires without a decision: nothing runs, and the client is told", async () => {
    const agent = await connect();
    try {
      const started = Date.now();
      const refused = await agent
        .query("DELETE FROM ledger WHERE id = 1")
        .catch((error: { errno?: number; message: string }) => error);
      expect(refused).toMatchObject({ errno: 1227 });
      expect((refused as Error).message).toMatch(/expired without a decision; nothing was run/);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
      const [rows] = await stage.admin.query(`SELECT id FROM ${stage.database}.ledger`);
      expect(rows).toEqual([{ id: 1 }]);
    } finally {
      await agent.end();
    }
  });

  it("a client that leaves while held withdraws its review: an approval then runs nothing", async () => {
    const agent = await connect();
    const sql = "DELETE FROM payroll WHERE id = 2";
    void agent.query(sql).catch(() => {});
    const review = await pendingReview(sql);
    agent.destroy();
    await until(
      async () =>
        (await harness.prisma.review.findUniqueOrThrow({ where: { id: review.id } })).status ===
          "ABANDONED" || null,
      "the review abandoned",
    );
    await decideReview(rey, { reviewId: review.id, input: { verdict: "APPROVE" } }).catch(() => {});
    const after = await harness.prisma.review.findUniqueOrThrow({ where: { id: review.id } });
    expect(after.status).toBe("ABANDONED");
    const [rows] = await stage.admin.query(`SELECT id FROM ${stage.database}.payroll ORDER BY id`);
    expect(rows).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it("the session's recording shows the hold and the approval", async () => {
    const agent = await connect();
    const sql = "SELECT amount FROM payroll WHERE id = 1";
    const pending = agent.query(sql);
    const review = await pendingReview(sql);
    await decideReview(rey, { reviewId: review.id, input: { verdict: "APPROVE" } });
    await pending;
    await agent.end();
    const events = await until(async () => {
      const chunks = await harness.prisma.recordingChunk.findMany({
        where: { sessionId: review.sessionId ?? "" },
        orderBy: { seq: "asc" },
      });
      const decoded = chunks.flatMap((chunk) => unpackChunk(chunk.payload));
      return decoded.at(-1)?.type === "end" ? decoded : null;
    }, "the recording");
    const verdicts = events.flatMap((event) =>
      event.type === "verdict" ? [[event.kind, event.message]] : [],
    );
    expect(verdicts).toEqual([
      ["hold", `waiting for approval: review R-${review.number} by finance-leads (expires in 10 min)`],
      ["allow", `review R-${review.number} approved once by rey@example.test`],
    ]);
  });
});
