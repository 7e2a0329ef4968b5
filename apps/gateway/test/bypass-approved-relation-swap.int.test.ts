import type { AdminContext } from "@sluice/admin/actor";
import { actorForUser } from "@sluice/admin/api-tokens";
import { decideReview } from "@sluice/admin/decide-review";
import { bumpPolicyVersion } from "@sluice/db/policy-version";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BypassStage, startBypassStage } from "./support/bypass-stage";
import { extended } from "./support/extended";
import { errorFields } from "./support/raw-client";
import { connect, until } from "./support/review-stage";

/**
 * Bypass corpus: a statement a reviewer approved while its relation was a plain table, run after
 * another connection replaced the table by a view of the same name over a protected column
 * (`DROP TABLE t; CREATE VIEW t AS SELECT id, salary AS s FROM employees`) while it waited. The
 * server plans the statement when it gets it, onto the view: straight against the server each one
 * below returns the protected value. Sluice ran it on the approval, judged under the catalog of
 * before (a prepared statement's approved Bind skipped the catalog check). Now it is judged again
 * under the catalog it runs with: a COLUMN rule refuses it, new masking asks the reviewers again,
 * and one whose meaning did not change runs on the approval it has.
 */
const SCHEMA = (role: string) => `
  CREATE TABLE employees (id int PRIMARY KEY, salary int, ssn text);
  INSERT INTO employees VALUES (1, 91000, '123-45-6789');
  CREATE TABLE by_column (id int, s int);
  INSERT INTO by_column VALUES (1, 1);
  CREATE TABLE by_mask (id int, s text);
  INSERT INTO by_mask VALUES (1, 'plain');
  CREATE TABLE by_bind (id int, s int);
  INSERT INTO by_bind VALUES (1, 2);
  CREATE TABLE by_query (id int, s int);
  INSERT INTO by_query VALUES (1, 3);
  CREATE TABLE kept (id int, s int);
  INSERT INTO kept VALUES (1, 4);
  GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role};`;

/** The table replaced by a view of the same name and column types over `column` of employees. */
const swap = (relation: string, column: string, role: string) => `
  DROP TABLE ${relation}; CREATE VIEW ${relation} AS SELECT id, ${column} AS s FROM employees;
  CREATE TABLE fresh_${relation} (id int);
  GRANT SELECT ON ${relation}, fresh_${relation} TO ${role};`;

const preparedRead = (relation: string) => ({
  name: `read_${relation}`,
  text: `SELECT s FROM ${relation} WHERE id > $1`,
  values: [0],
});

let stage: BypassStage;
let rey: AdminContext;
/** Another agent session: its read of a relation the catalog lacks has the catalog read again. */
let other: pg.Client;

const outcome = (pending: Promise<pg.QueryResult>) =>
  pending.then(
    (result) => result.rows,
    (error: Error & { code?: string }) => ({ code: error.code, message: error.message }),
  );

const pendingReview = (statement: string, after = 0) =>
  until(
    () =>
      stage.harness.prisma.review.findFirst({
        where: { status: "PENDING", statement, number: { gt: after } },
        orderBy: { number: "desc" },
      }),
    "a pending review",
  );

/** The swap, straight against the server, then seen by the gateway's catalog. */
async function swapWhileHeld(relation: string, column: string): Promise<void> {
  await stage.admin.query(swap(relation, column, stage.upstream.user));
  await other.query(`SELECT * FROM fresh_${relation}`);
}

beforeAll(async () => {
  stage = await startBypassStage({
    schema: SCHEMA,
    guardrails: [
      {
        name: "salary unread",
        kind: "COLUMN",
        effect: "DENY",
        match: { columns: ["public.employees.salary"] },
      },
    ],
  });
  const { harness } = stage;
  const shop = await harness.prisma.connection.findUniqueOrThrow({ where: { name: harness.connectionName } });
  const finance = await harness.prisma.reviewerGroup.create({
    data: { name: "finance-leads", idpGroup: "finance-leads" },
  });
  await harness.prisma.reviewRule.create({
    data: {
      connectionId: shop.id,
      name: "swap-reads",
      match: {
        tables: ["public.by_column", "public.by_bind", "public.by_mask", "public.by_query", "public.kept"],
      },
      groups: { create: [{ groupId: finance.id }] },
    },
  });
  await harness.prisma.maskingRule.create({
    data: { connectionId: shop.id, name: "ssn", columnSelector: "public.employees.ssn", strategy: "REDACT" },
  });
  await bumpPolicyVersion(harness.prisma);
  await harness.gateway.policies.reload();
  const user = await harness.prisma.user.create({
    data: {
      issuer: "https://idp.test",
      subject: "rey@example.test",
      email: "rey@example.test",
      idpGroups: ["finance-leads"],
      roles: ["REVIEWER"],
    },
  });
  const actor = await actorForUser(harness.prisma, user.id);
  if (!actor) throw new Error("no actor");
  rey = { db: harness.prisma, actor, secretKey: harness.secretKey };
  other = (await connect(harness.url)).client;
});
afterAll(async () => {
  await other?.end();
  await stage?.stop();
});

describe("a statement approved before its table became a view over a protected column", () => {
  it("reads the protected values straight from the server", async () => {
    const { client } = await connect(stage.harness.directUrl);
    try {
      await stage.admin.query("CREATE TABLE oracle (id int, s int); INSERT INTO oracle VALUES (1, 1)");
      await stage.admin.query(`GRANT ALL ON oracle TO ${stage.upstream.user}`);
      expect(await outcome(client.query(preparedRead("oracle")))).toEqual([{ s: 1 }]);
      await stage.admin.query(swap("oracle", "salary", stage.upstream.user));
      // The server re-plans the statement it prepared while `oracle` was a table.
      expect(await outcome(client.query(preparedRead("oracle")))).toEqual([{ s: 91000 }]);
    } finally {
      await client.end();
    }
  });

  it("is refused by a COLUMN rule when prepared", async () => {
    const { client } = await connect(stage.harness.url);
    try {
      const pending = outcome(client.query(preparedRead("by_column")));
      const review = await pendingReview(preparedRead("by_column").text);
      await swapWhileHeld("by_column", "salary");
      await decideReview(rey, { reviewId: review.id, input: { verdict: "APPROVE" } });
      expect(await pending).toMatchObject({ message: expect.stringMatching(/"salary unread"/) });
    } finally {
      await client.end();
    }
  });

  it("is refused by a COLUMN rule when the swap comes between its approved Parse and its Bind", async () => {
    const raw = await stage.viaGateway();
    try {
      const text = "SELECT s FROM by_bind WHERE id > $1";
      raw.write(Buffer.concat([extended.parse("approved", text), extended.sync()]));
      const review = await pendingReview(text);
      await decideReview(rey, { reviewId: review.id, input: { verdict: "APPROVE" } });
      expect((await raw.readUntil("Z")).map((message) => message.type)).toEqual(["N", "1", "Z"]);
      await swapWhileHeld("by_bind", "salary");
      raw.write(
        Buffer.concat([extended.bind("", "approved", [], ["0"]), extended.execute(""), extended.sync()]),
      );
      const answer = await raw.readUntil("Z");
      expect(answer.filter((message) => message.type === "D")).toEqual([]);
      const error = answer.find((message) => message.type === "E");
      expect(error && errorFields(error.body).M).toMatch(/"salary unread"/);
    } finally {
      raw.close();
    }
  });

  it("is refused by a COLUMN rule when sent as a simple query", async () => {
    const { client } = await connect(stage.harness.url);
    try {
      const text = "SELECT s FROM by_query";
      const pending = outcome(client.query(text));
      const review = await pendingReview(text);
      await swapWhileHeld("by_query", "salary");
      await decideReview(rey, { reviewId: review.id, input: { verdict: "APPROVE" } });
      expect(await pending).toMatchObject({ message: expect.stringMatching(/"salary unread"/) });
    } finally {
      await client.end();
    }
  });

  it("is held for a new review when the view brings masking the approval did not", async () => {
    const { client } = await connect(stage.harness.url);
    try {
      const { text } = preparedRead("by_mask");
      const pending = outcome(client.query(preparedRead("by_mask")));
      const review = await pendingReview(text);
      await swapWhileHeld("by_mask", "ssn");
      await decideReview(rey, { reviewId: review.id, input: { verdict: "APPROVE" } });
      const again = await pendingReview(text, review.number);
      await decideReview(rey, { reviewId: again.id, input: { verdict: "DENY", reason: "not the ssn" } });
      expect(await pending).toMatchObject({ message: expect.stringMatching(/not the ssn/) });
    } finally {
      await client.end();
    }
  });

  it("runs on its approval when the newer catalog changed nothing it reads", async () => {
    const { client } = await connect(stage.harness.url);
    try {
      const { text } = preparedRead("kept");
      const pending = outcome(client.query(preparedRead("kept")));
      const review = await pendingReview(text);
      await stage.admin.query(
        `CREATE TABLE fresh_kept (id int); GRANT SELECT ON fresh_kept TO ${stage.upstream.user}`,
      );
      await other.query("SELECT * FROM fresh_kept");
      await decideReview(rey, { reviewId: review.id, input: { verdict: "APPROVE" } });
      expect(await pending).toEqual([{ s: 4 }]);
      expect(
        await stage.harness.prisma.review.count({
          where: { statement: text, number: { gt: review.number } },
        }),
      ).toBe(0);
    } finally {
      await client.end();
    }
  });
});
