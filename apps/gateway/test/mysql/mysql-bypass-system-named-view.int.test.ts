import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MySqlHarness, startMySqlHarness } from "../support/mysql-harness";

/**
 * Bypass corpus, MySQL: a read through a view in a database that only looks like one of the
 * server's own (`sys`, an ordinary database; `Sys` another one where names are case-sensitive),
 * over a table a TABLE rule on reads denies and a column a COLUMN rule denies.
 */
let harness: MySqlHarness;
let agent: Connection;

const viewIn = (schema: string, db: string, user: string) => `
  CREATE DATABASE IF NOT EXISTS \`${schema}\`;
  CREATE VIEW \`${schema}\`.pay AS SELECT id, salary FROM \`${db}\`.staff;
  CREATE VIEW \`${schema}\`.vault_copy AS SELECT id, secret FROM \`${db}\`.vault;
  GRANT SELECT ON \`${schema}\`.pay TO '${user}'@'%';
  GRANT SELECT ON \`${schema}\`.vault_copy TO '${user}'@'%';`;

beforeAll(async () => {
  harness = await startMySqlHarness({
    guardrails: [
      { name: "vault unread", kind: "TABLE", effect: "DENY", match: { tables: ["vault"], access: "read" } },
      { name: "salary unread", kind: "COLUMN", effect: "DENY", match: { columns: ["staff.salary"] } },
    ],
  });
  await harness.asAdmin(`
    CREATE TABLE staff (id INT PRIMARY KEY, salary INT);
    INSERT INTO staff VALUES (1, 91000);
    CREATE TABLE vault (id INT PRIMARY KEY, secret INT);
    INSERT INTO vault VALUES (1, 4242);
    ${viewIn("Sys", harness.database, harness.upstreamUser)}
    ${viewIn("sys", harness.database, harness.upstreamUser)}`);
  agent = await harness.connectAgent();
});
afterAll(async () => {
  await agent?.end();
  await harness?.stop();
});

const outcome = (sql: string) =>
  agent.query(sql).then(
    ([rows]) => rows,
    (error: Error) => ({ message: error.message }),
  );

/** Untraceable, the view counts as reading every table and column: the first rule refuses it. */
const REFUSED = {
  message: expect.stringMatching(/guardrail "(vault|salary) unread".*left out of the catalog read/),
};

describe.each(["Sys", "sys"])("a view in database %s", (schema) => {
  it("over a denied table is refused", async () => {
    expect(await outcome(`SELECT secret FROM \`${schema}\`.vault_copy`)).toMatchObject(REFUSED);
  });

  it("over a denied column is refused", async () => {
    expect(await outcome(`SELECT salary FROM \`${schema}\`.pay`)).toMatchObject(REFUSED);
  });

  it("replacing a table of the same name after the catalog was read is refused", async () => {
    // Apart per database: `Sys.x` and `sys.x` share one case-folded name, which counts as both.
    const swap = `swap_${schema === "Sys" ? "upper" : "lower"}`;
    await harness.asAdmin(
      `CREATE TABLE \`${schema}\`.${swap} (id INT, salary INT); INSERT INTO \`${schema}\`.${swap} VALUES (1, 1);
       GRANT SELECT ON \`${schema}\`.${swap} TO '${harness.upstreamUser}'@'%'`,
    );
    expect(await outcome(`SELECT salary FROM \`${schema}\`.${swap}`)).toEqual([{ salary: 1 }]);
    await harness.asAdmin(
      `DROP TABLE \`${schema}\`.${swap};
       CREATE VIEW \`${schema}\`.${swap} AS SELECT id, salary FROM \`${harness.database}\`.staff`,
    );
    expect(JSON.stringify(await outcome(`SELECT salary FROM \`${schema}\`.${swap}`))).not.toContain("91000");
  });

  it("made after the catalog was read, over a denied column, is refused", async () => {
    await outcome("SELECT 1");
    await harness.asAdmin(
      `CREATE VIEW \`${schema}\`.fresh_pay AS SELECT id, salary FROM \`${harness.database}\`.staff;
       GRANT SELECT ON \`${schema}\`.fresh_pay TO '${harness.upstreamUser}'@'%'`,
    );
    expect(JSON.stringify(await outcome(`SELECT salary FROM \`${schema}\`.fresh_pay`))).not.toContain(
      "91000",
    );
  });
});
