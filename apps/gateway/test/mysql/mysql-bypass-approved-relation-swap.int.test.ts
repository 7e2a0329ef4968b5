import { readFileSync } from "node:fs";
import type { AdminContext } from "@sluice/admin/actor";
import { actorForUser } from "@sluice/admin/api-tokens";
import { decideReview } from "@sluice/admin/decide-review";
import { bumpPolicyVersion } from "@sluice/db/policy-version";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until as waitUntil } from "../../../../test/until";
import { type Harness, startHarness } from "../support/gateway-harness";
import { createMariaStage, type MariaStage } from "../support/maria-stage";

/**
 * Bypass corpus, MySQL: the Postgres case of `bypass-approved-relation-swap.int.test.ts` on the
 * MySQL path. A statement a reviewer approved while `by_query` was a plain table, run after another
 * connection replaced the table by a view of the same name over a column a COLUMN rule denies. The
 * server reads the view when the statement runs; Sluice judged the statement once, before the hold,
 * and ran it on the approval. Now an approval is judged again before it runs (review-hold.ts).
 */
let harness: Harness;
let stage: MariaStage;
let rey: AdminContext;

const until = <T>(probe: () => Promise<T | null | undefined>, what: string, timeoutMs = 15_000) =>
  waitUntil(probe, { what, timeoutMs, intervalMs: 50 });

beforeAll(async () => {
  stage = await createMariaStage(
    "swapped",
    (database) => `
      CREATE TABLE ${database}.employees (id INT PRIMARY KEY, salary INT);
      INSERT INTO ${database}.employees VALUES (1, 91000);
      CREATE TABLE ${database}.by_query (id INT PRIMARY KEY, s INT);
      INSERT INTO ${database}.by_query VALUES (1, 3);
    `,
  );
  harness = await startHarness({ mysqlPort: 0 });
  const mariaId = await stage.addConnection(harness);
  const finance = await harness.prisma.reviewerGroup.create({
    data: { name: "finance-leads", idpGroup: "finance-leads" },
  });
  await harness.prisma.reviewRule.create({
    data: {
      connectionId: mariaId,
      name: "swap-reads",
      match: { tables: [`${stage.database}.by_query`] },
      groups: { create: [{ groupId: finance.id }] },
    },
  });
  await harness.prisma.guardrailRule.create({
    data: {
      connectionId: mariaId,
      name: "salary unread",
      kind: "COLUMN",
      effect: "DENY",
      match: { columns: [`${stage.database}.employees.salary`] },
    },
  });
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
    () => harness.prisma.review.findFirst({ where: { status: "PENDING", statement } }),
    "a pending review",
  );

const outcome = (pending: Promise<[unknown, unknown]>) =>
  pending.then(
    ([rows]) => rows,
    (error: Error) => ({ message: error.message }),
  );

describe("a statement approved before its table became a view over a denied column", () => {
  it("is refused by the COLUMN rule when it runs", async () => {
    const agent = await connect();
    try {
      const sql = "SELECT s FROM by_query";
      const pending = outcome(agent.query(sql));
      const review = await pendingReview(sql);
      const db = stage.database;
      await stage.admin.query(
        `DROP TABLE ${db}.by_query; CREATE VIEW ${db}.by_query AS SELECT id, salary AS s FROM ${db}.employees`,
      );
      await decideReview(rey, { reviewId: review.id, input: { verdict: "APPROVE" } });
      expect(await pending).toMatchObject({ message: expect.stringMatching(/"salary unread"/) });
    } finally {
      await agent.end();
    }
  });

  it("is refused by the COLUMN rule when read through the view without a hold", async () => {
    const agent = await connect();
    try {
      expect(await outcome(agent.query("SELECT s FROM by_query WHERE id = 1"))).toMatchObject({
        message: expect.stringMatching(/"salary unread"/),
      });
    } finally {
      await agent.end();
    }
  });
});
