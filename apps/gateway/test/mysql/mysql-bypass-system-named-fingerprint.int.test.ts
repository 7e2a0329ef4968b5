import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MASK_EMPLOYEE_EMAIL, type MySqlHarness, startMySqlHarness } from "../support/mysql-harness";

/**
 * Bypass corpus, MySQL: a table in `sys` (an ordinary database) or `Sys` (another one where names
 * are case-sensitive), listed by the catalog read as a stored table, then replaced by a view from a
 * connection Sluice never saw. The catalog fingerprint left both databases out as the server's own,
 * so on a masked connection the change went unseen until the catalog aged (10 s): the view was
 * judged and masked as the table it replaced, and one over a COLUMN-denied salary or a masked email
 * was read in clear. MariaDB reports a view's column with the view as its table and the database of
 * the table under it, so the tables read sit in the same database as the view (one elsewhere is an
 * unknown origin, redacted). Each change is first shown to leak directly (the oracle).
 */
let harness: MySqlHarness;
let agent: Connection;
let direct: Connection;

/** The relations the cases swap, made before the agent's first statement so the catalog lists them. */
const SWAPPED = ["`sys`.pay_lower", "`Sys`.pay_upper", "`sys`.inbox"];
/** What the views read: named as the rules name them, in the views' own databases. */
const READ = ["`sys`.staff", "`Sys`.staff", "`sys`.employees"];

beforeAll(async () => {
  harness = await startMySqlHarness({
    guardrails: [
      { name: "salary unread", kind: "COLUMN", effect: "DENY", match: { columns: ["staff.salary"] } },
    ],
    masking: [MASK_EMPLOYEE_EMAIL],
  });
  const table = (name: string, value: string) => `
    CREATE TABLE ${name} (id INT PRIMARY KEY, ${value.startsWith("'") ? "email VARCHAR(200)" : "salary INT"});
    INSERT INTO ${name} VALUES (1, ${value});
    GRANT SELECT ON ${name} TO '${harness.upstreamUser}'@'%';`;
  await harness.asAdmin(`
    CREATE DATABASE IF NOT EXISTS \`sys\`;
    CREATE DATABASE IF NOT EXISTS \`Sys\`;
    ${table("`sys`.staff", "91000")} ${table("`Sys`.staff", "92000")} ${table("`sys`.employees", "'ada@example.com'")}
    ${table("`sys`.pay_lower", "1")} ${table("`Sys`.pay_upper", "1")} ${table("`sys`.inbox", "'inbox-1'")}`);
  agent = await harness.connectAgent();
  direct = await harness.connectDirect();
  // The agent's first statement reads the catalog: each swapped name is a stored table in it.
  for (const name of SWAPPED) await agent.query(`SELECT id FROM ${name}`);
});
afterAll(async () => {
  await agent?.end();
  await direct?.end();
  for (const name of [...SWAPPED, ...READ])
    await harness?.asAdmin(`DROP VIEW IF EXISTS ${name}; DROP TABLE IF EXISTS ${name}`);
  await harness?.stop();
});

const outcome = (connection: Connection, sql: string) =>
  connection.query(sql).then(
    ([rows]) => JSON.stringify(rows),
    (error: Error) => error.message,
  );

/** Replaces a swapped table by a view over the table of the same database that `READ` names. */
const swap = (name: string, from: string, column: string) =>
  harness.asAdmin(`DROP TABLE ${name}; CREATE VIEW ${name} AS SELECT id, ${column} FROM ${from}`);

describe.each([
  ["`sys`.pay_lower", "`sys`.staff", "91000"],
  ["`Sys`.pay_upper", "`Sys`.staff", "92000"],
])("%s replaced by a view over a denied column", (name, from, salary) => {
  it("is refused at the very next statement", async () => {
    expect(await outcome(agent, `SELECT salary FROM ${name}`)).toBe('[{"salary":1}]');
    await swap(name, from, "salary");
    expect(await outcome(direct, `SELECT salary FROM ${name}`)).toContain(salary);
    const through = await outcome(agent, `SELECT salary FROM ${name}`);
    expect(through).not.toContain(salary);
    expect(through).toMatch(/guardrail "salary unread".*left out of the catalog read/);
  });
});

describe("`sys`.inbox replaced by a view over a masked column", () => {
  it("is masked at the very next statement", async () => {
    // Masking alone: the COLUMN rule would refuse the untraceable view before its answer is masked.
    harness.current.policy = { ...harness.current.policy, guardrails: [] };
    expect(await outcome(agent, "SELECT email FROM `sys`.inbox")).toBe('[{"email":"inbox-1"}]');
    await swap("`sys`.inbox", "`sys`.employees", "email");
    expect(await outcome(direct, "SELECT email FROM `sys`.inbox")).toContain("ada@example.com");
    expect(await outcome(agent, "SELECT email FROM `sys`.inbox")).toBe('[{"email":"[REDACTED]"}]');
  });
});
