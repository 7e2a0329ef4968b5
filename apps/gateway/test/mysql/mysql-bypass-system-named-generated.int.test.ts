import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MASK_EMPLOYEE_EMAIL, type MySqlHarness, startMySqlHarness } from "../support/mysql-harness";

/**
 * Bypass corpus, MySQL: a generated column computed from a masked column, in a table in `sys` (an
 * ordinary database) or `Sys` (another one where names are case-sensitive). The catalog read left
 * the computed columns of both databases out, as the server's own, so the generated column passed
 * for a stored value no rule covers and was read in clear. Each read is first run directly (the oracle).
 */
let harness: MySqlHarness;
let agent: Connection;
let direct: Connection;
const TABLES = ["`sys`.employees", "`Sys`.employees"];

beforeAll(async () => {
  harness = await startMySqlHarness({ masking: [MASK_EMPLOYEE_EMAIL] });
  for (const name of TABLES)
    await harness.asAdmin(`
      CREATE DATABASE IF NOT EXISTS ${name.slice(0, name.indexOf("."))};
      CREATE TABLE ${name} (id INT PRIMARY KEY, email VARCHAR(200), contact VARCHAR(200) AS (CONCAT('<', email, '>')));
      INSERT INTO ${name} (id, email) VALUES (1, 'ada@example.com');
      GRANT SELECT ON ${name} TO '${harness.upstreamUser}'@'%';`);
  agent = await harness.connectAgent();
  direct = await harness.connectDirect();
});
afterAll(async () => {
  await agent?.end();
  await direct?.end();
  for (const name of TABLES) await harness?.asAdmin(`DROP TABLE IF EXISTS ${name}`);
  await harness?.stop();
});

const outcome = (connection: Connection, sql: string) =>
  connection.query(sql).then(
    ([rows]) => JSON.stringify(rows),
    (error: Error) => error.message,
  );

describe.each(TABLES)("a generated column over a masked one in %s", (name) => {
  it("is masked", async () => {
    expect(await outcome(direct, `SELECT contact FROM ${name}`)).toContain("ada@example.com");
    expect(await outcome(agent, `SELECT email FROM ${name}`)).toBe('[{"email":"[REDACTED]"}]');
    expect(await outcome(agent, `SELECT contact FROM ${name}`)).toBe('[{"contact":"[REDACTED]"}]');
  });
});
