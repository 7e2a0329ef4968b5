import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MASK_EMPLOYEE_EMAIL, type MySqlHarness, startMySqlHarness } from "../support/mysql-harness";

/**
 * The catalog the gateway masks by is checked against the upstream before every masked statement:
 * a table replaced by a view, or a view redefined, from a connection Sluice never saw (the
 * server's administrator here), is seen by the agent's very next statement, not after a cache age.
 * Each change is first shown to leak directly (the oracle), then to be masked through Sluice.
 */
const CLEAR = /ada@example\.com|grace@example\.com/;

let harness: MySqlHarness;
let agent: Connection;
let direct: Connection;

beforeAll(async () => {
  harness = await startMySqlHarness({
    masking: [MASK_EMPLOYEE_EMAIL],
  });
  await harness.asAdmin(`
    CREATE TABLE handles (id INT PRIMARY KEY, handle VARCHAR(200));
    INSERT INTO handles VALUES (1, 'ada'), (2, 'grace');
    CREATE VIEW labels AS SELECT id, name AS label FROM employees;
  `);
  agent = await harness.connectAgent();
  direct = await harness.connectDirect();
});
afterAll(async () => {
  await agent?.end();
  await direct?.end();
  await harness?.stop();
});

const values = async (connection: Connection, sql: string) =>
  ((await connection.query(sql))[0] as Array<Record<string, unknown>>).map((row) => Object.values(row)[0]);

/** mysql2 prepares a statement once per connection and executes that same statement again. */
const executed = async (connection: Connection, sql: string, parameters: number[]) =>
  ((await connection.execute(sql, parameters))[0] as Array<Record<string, unknown>>).map(
    (row) => Object.values(row)[0],
  );

describe("the MySQL masking catalog, checked per statement", () => {
  it("sees a table replaced by a view from outside Sluice on the very next statement", async () => {
    // The agent's session has read the catalog: handles is a table, its values are stored there.
    expect(await values(agent, "SELECT handle FROM handles ORDER BY id")).toEqual(["ada", "grace"]);
    await harness.asAdmin(
      "DROP TABLE handles; CREATE VIEW handles AS SELECT id, email AS handle FROM employees",
    );
    expect(await values(direct, "SELECT handle FROM handles ORDER BY id")).toEqual([
      "ada@example.com",
      "grace@example.com",
    ]);
    const through = await values(agent, "SELECT handle FROM handles ORDER BY id");
    expect(JSON.stringify(through)).not.toMatch(CLEAR);
    expect(through).toEqual(["[REDACTED]", "[REDACTED]"]);
  });

  it("sees a view redefined to read a masked column on the very next statement", async () => {
    expect(await values(agent, "SELECT label FROM labels ORDER BY id")).toEqual(["Ada", "Grace"]);
    await harness.asAdmin("CREATE OR REPLACE VIEW labels AS SELECT id, email AS label FROM employees");
    expect(JSON.stringify(await values(direct, "SELECT label FROM labels ORDER BY id"))).toMatch(CLEAR);
    const through = await values(agent, "SELECT label FROM labels ORDER BY id");
    expect(through).toEqual(["[REDACTED]", "[REDACTED]"]);
  });

  it("sees a table replaced by a view from another connection between two executions of one prepared statement", async () => {
    await harness.asAdmin(`
      CREATE TABLE nicknames (id INT PRIMARY KEY, nickname VARCHAR(200));
      INSERT INTO nicknames VALUES (1, 'ada'), (2, 'grace');
    `);
    const sql = "SELECT nickname FROM nicknames WHERE id >= ? ORDER BY id";
    expect(await executed(agent, sql, [1])).toEqual(["ada", "grace"]);
    await harness.asAdmin(
      "DROP TABLE nicknames; CREATE VIEW nicknames AS SELECT id, email AS nickname FROM employees",
    );
    expect(JSON.stringify(await executed(direct, sql, [1]))).toMatch(CLEAR);
    // The same statement id executed again: no PREPARE, no new verdict, only the execution's check.
    const through = await executed(agent, sql, [1]);
    expect(JSON.stringify(through)).not.toMatch(CLEAR);
    expect(through).toEqual(["[REDACTED]", "[REDACTED]"]);
  });

  it("trusts the catalog again once it is back to clean: a provably clean view shows its values", async () => {
    await harness.asAdmin("CREATE OR REPLACE VIEW labels AS SELECT id, name AS label FROM employees");
    expect(await values(agent, "SELECT label FROM labels ORDER BY id")).toEqual(["Ada", "Grace"]);
  });
});
