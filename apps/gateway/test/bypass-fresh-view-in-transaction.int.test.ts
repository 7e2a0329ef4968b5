import { bumpPolicyVersion } from "@sluice/db/policy-version";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BypassStage, startBypassStage } from "./support/bypass-stage";

/**
 * Bypass corpus: inside an open transaction, a view another connection has just made over a
 * protected column (`CREATE VIEW fresh AS SELECT id, ssn, salary FROM people`). The server finds it
 * by name at once, in a transaction as outside one. Sluice read its catalog again for an unknown
 * relation only between transactions, so in one the view stayed unknown until the next read (up
 * to 5 s): a COLUMN rule on people.salary never reached the column under it, and
 * `INSERT INTO mine SELECT ssn FROM fresh` copied the masked ssn in clear into the agent's own
 * table, to be read back in clear after COMMIT. Now the catalog is read again first there too.
 */
const SCHEMA = (role: string) => `
  CREATE TABLE people (id int, ssn text, salary int);
  INSERT INTO people VALUES (1, '123-45-6789', 91000);
  CREATE TABLE mine (v text);
  GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role};`;

const freshView = (name: string, role: string) =>
  `CREATE VIEW ${name} AS SELECT id, ssn, salary FROM people; GRANT SELECT ON ${name} TO ${role};`;

let stage: BypassStage;
let agent: pg.Client;

const outcome = (client: pg.Client, sql: string) =>
  client.query(sql).then(
    (result) => result.rows,
    (error: Error) => ({ message: error.message }),
  );

beforeAll(async () => {
  stage = await startBypassStage({
    schema: SCHEMA,
    guardrails: [
      { name: "salary unread", kind: "COLUMN", effect: "DENY", match: { columns: ["public.people.salary"] } },
    ],
  });
  const { harness } = stage;
  const shop = await harness.prisma.connection.findUniqueOrThrow({ where: { name: harness.connectionName } });
  await harness.prisma.maskingRule.create({
    data: { connectionId: shop.id, name: "ssn", columnSelector: "public.people.ssn", strategy: "REDACT" },
  });
  await bumpPolicyVersion(harness.prisma);
  await harness.gateway.policies.reload();
  agent = new pg.Client({ connectionString: harness.url });
  await agent.connect();
});
afterAll(async () => {
  await agent?.end();
  await stage?.stop();
});

describe("a view made by another connection while a transaction is open", () => {
  it("is found and read straight from the server inside the transaction", async () => {
    const direct = new pg.Client({ connectionString: stage.harness.directUrl });
    await direct.connect();
    try {
      await direct.query("BEGIN");
      await stage.admin.query(freshView("fresh_oracle", stage.upstream.user));
      expect(await outcome(direct, "SELECT ssn, salary FROM fresh_oracle")).toEqual([
        { ssn: "123-45-6789", salary: 91000 },
      ]);
    } finally {
      await direct.query("ROLLBACK");
      await direct.end();
    }
  });

  it("is refused by a COLUMN rule on the column under it", async () => {
    await agent.query("BEGIN");
    try {
      await stage.admin.query(freshView("fresh_read", stage.upstream.user));
      expect(await outcome(agent, "SELECT salary FROM fresh_read")).toMatchObject({
        message: expect.stringMatching(/"salary unread"/),
      });
    } finally {
      await agent.query("ROLLBACK");
    }
  });

  it("never copies a masked column in clear into the agent's own table", async () => {
    await agent.query("BEGIN");
    await stage.admin.query(freshView("fresh_copy", stage.upstream.user));
    await outcome(agent, "INSERT INTO mine SELECT ssn FROM fresh_copy");
    await agent.query("COMMIT").catch(() => agent.query("ROLLBACK"));
    const direct = new pg.Client({ connectionString: stage.harness.directUrl });
    await direct.connect();
    try {
      expect(JSON.stringify((await direct.query("SELECT v FROM mine")).rows)).not.toContain("6789");
    } finally {
      await direct.end();
    }
  });
});
