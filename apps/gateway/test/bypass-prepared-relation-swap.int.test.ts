import { bumpPolicyVersion } from "@sluice/db/policy-version";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BypassStage, startBypassStage } from "./support/bypass-stage";

/**
 * Bypass corpus: a prepared read parsed while its relation was a plain table, run after another
 * connection replaced the table by a view of the same name over a column a rule protects
 * (`DROP TABLE by_column; CREATE VIEW by_column AS SELECT id, salary AS s FROM employees`).
 * PostgreSQL re-plans a prepared statement after DDL, so its next run reads the view: straight
 * against the server each statement below returns the protected value. Sluice judged the
 * statement at Parse only, while the relation was a table; now a new catalog snapshot has it judged
 * again at the next Bind, as a fresh statement would be: a COLUMN guardrail and a TABLE rule on
 * reads refuse it, a review rule holds it, a masking rule masks it. Where the server itself refuses
 * the re-plan (the column's type changed), the client gets the server's own error.
 */
const SCHEMA = (role: string) => `
  CREATE TABLE employees (id int PRIMARY KEY, salary int, bonus int, ssn text);
  INSERT INTO employees VALUES (1, 91000, 5000, '123-45-6789');
  CREATE TABLE vault (id int PRIMARY KEY, secret int);
  INSERT INTO vault VALUES (1, 4242);
  CREATE TABLE by_column (id int, s int);
  INSERT INTO by_column VALUES (1, 1);
  CREATE TABLE by_review (id int, s int);
  INSERT INTO by_review VALUES (1, 2);
  CREATE TABLE by_mask (id int, s text);
  INSERT INTO by_mask VALUES (1, 'plain');
  CREATE TABLE by_table (id int, s int);
  INSERT INTO by_table VALUES (1, 4);
  CREATE TABLE by_type (id int, s int);
  INSERT INTO by_type VALUES (1, 5);
  CREATE TABLE by_age (id int, s int);
  INSERT INTO by_age VALUES (1, 6);
  GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role};`;

/** Each table replaced by a view of the same name and column types over a protected column. */
const SWAP = (role: string) => `
  DROP TABLE by_column; CREATE VIEW by_column AS SELECT id, salary AS s FROM employees;
  DROP TABLE by_review; CREATE VIEW by_review AS SELECT id, bonus AS s FROM employees;
  DROP TABLE by_mask; CREATE VIEW by_mask AS SELECT id, ssn AS s FROM employees;
  DROP TABLE by_table; CREATE VIEW by_table AS SELECT id, secret AS s FROM vault;
  DROP TABLE by_type; CREATE VIEW by_type AS SELECT id, ssn AS s FROM employees;
  CREATE TABLE fresh (id int);
  GRANT SELECT ON by_column, by_review, by_mask, by_table, by_type, fresh TO ${role};`;

const RELATIONS = ["by_column", "by_review", "by_mask", "by_table", "by_type"] as const;
const prepared = (relation: string) => ({
  name: `read_${relation}`,
  text: `SELECT s FROM ${relation} WHERE id > $1`,
  values: [0],
});

let stage: BypassStage;
let agent: pg.Client;
let direct: pg.Client;
/** What each prepared statement returned straight from the server after the swap, or its error. */
const directAfterSwap = new Map<string, unknown>();
/** The same through Sluice. */
const agentAfterSwap = new Map<string, unknown>();

const outcome = (client: pg.Client, relation: string) =>
  client.query(prepared(relation)).then(
    (result) => result.rows,
    (error: Error & { code?: string }) => ({ code: error.code, message: error.message }),
  );

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
      {
        name: "vault unread",
        kind: "TABLE",
        effect: "DENY",
        match: { tables: ["public.vault"], access: "read" },
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
      name: "bonus-reads",
      match: { columns: ["public.employees.bonus"] },
      isBlocking: false,
      groups: { create: [{ groupId: finance.id }] },
    },
  });
  await harness.prisma.maskingRule.create({
    data: { connectionId: shop.id, name: "ssn", columnSelector: "public.employees.ssn", strategy: "REDACT" },
  });
  await bumpPolicyVersion(harness.prisma);
  await harness.gateway.policies.reload();

  agent = new pg.Client({ connectionString: harness.url });
  direct = new pg.Client({ connectionString: harness.directUrl });
  await agent.connect();
  await direct.connect();
  // Prepared (and run once) on both sides while every relation is a plain table.
  for (const relation of [...RELATIONS, "by_age"]) {
    expect(await outcome(direct, relation)).toEqual(await outcome(agent, relation));
  }
  await stage.admin.query(SWAP(stage.upstream.user));
  for (const relation of RELATIONS) directAfterSwap.set(relation, await outcome(direct, relation));
  // Another connection's change is seen once the catalog is read again: within its age, or at
  // once for a read of a relation it does not know yet, as here.
  await agent.query("SELECT * FROM fresh");
  for (const relation of RELATIONS) agentAfterSwap.set(relation, await outcome(agent, relation));
});
afterAll(async () => {
  await agent?.end();
  await direct?.end();
  await stage?.stop();
});

describe("a prepared read of a table another connection replaced by a view", () => {
  it("returns the protected values straight from the server (it re-plans)", () => {
    expect(directAfterSwap.get("by_column")).toEqual([{ s: 91000 }]);
    expect(directAfterSwap.get("by_review")).toEqual([{ s: 5000 }]);
    expect(directAfterSwap.get("by_mask")).toEqual([{ s: "123-45-6789" }]);
    expect(directAfterSwap.get("by_table")).toEqual([{ s: 4242 }]);
  });

  it("is refused by a COLUMN guardrail on the column under the view", () => {
    expect(agentAfterSwap.get("by_column")).toMatchObject({
      message: expect.stringMatching(/"salary unread"/),
    });
  });

  it("is held by a review rule on the column under the view", () => {
    expect(agentAfterSwap.get("by_review")).toMatchObject({
      message: expect.stringMatching(/"bonus-reads"/),
    });
  });

  it("is refused by a TABLE rule on reads of the table under the view", () => {
    expect(agentAfterSwap.get("by_table")).toMatchObject({
      message: expect.stringMatching(/"vault unread"/),
    });
  });

  it("is masked by a masking rule on the column under the view", () => {
    const rows = agentAfterSwap.get("by_mask") as Array<{ s: string }>;
    expect(rows).toHaveLength(1);
    expect(rows[0]?.s).not.toContain("6789");
  });

  it("gets the server's own error where the server refuses the re-plan", () => {
    const server = directAfterSwap.get("by_type") as { code: string; message: string };
    expect(server).toEqual({ code: "0A000", message: "cached plan must not change result type" });
    // Its SQLSTATE; the text is withheld as any error of a statement reading a masked column is.
    expect(agentAfterSwap.get("by_type")).toMatchObject({
      code: "0A000",
      message: expect.stringMatching(
        /server's message is withheld because the statement reads masked columns/,
      ),
    });
  });

  it("is judged again once the catalog snapshot ages, without any other statement", async () => {
    await stage.admin.query(`DROP TABLE by_age; CREATE VIEW by_age AS SELECT id, salary AS s FROM employees;
      GRANT SELECT ON by_age TO ${stage.upstream.user}`);
    expect(await outcome(direct, "by_age")).toEqual([{ s: 91000 }]);
    // Older than the code catalog's maximum age (5 s): the next Bind waits for a new read.
    await new Promise((resolve) => setTimeout(resolve, 5_500));
    expect(await outcome(agent, "by_age")).toMatchObject({
      message: expect.stringMatching(/"salary unread"/),
    });
  }, 20_000);
});
