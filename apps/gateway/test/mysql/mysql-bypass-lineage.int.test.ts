import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MASK_EMPLOYEE_EMAIL, type MySqlHarness, startMySqlHarness } from "../support/mysql-harness";

/**
 * The MySQL bypass corpus for masking by catalog identity: every way a masked column's value can
 * reach the agent under another name (a view, a derived table or CTE that borrows a real table's
 * name, UNION, a user variable, a copy into another table, a system table holding column values,
 * the server's warnings). Each attack is first run directly against MariaDB, which shows the clear
 * value (the oracle: the attack is real), then through Sluice, which must never show it.
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
    CREATE VIEW v_contacts AS SELECT id, email AS contact FROM employees;
    CREATE VIEW v_nested AS SELECT * FROM v_contacts;
    CREATE VIEW v_upper AS SELECT id, UPPER(email) AS loud FROM employees;
    CREATE VIEW v_departments AS SELECT id, name FROM departments;
    CREATE VIEW v_departments_nested AS SELECT * FROM v_departments;
    CREATE VIEW v_renamed AS SELECT id, contact AS name FROM v_contacts;
    CREATE VIEW v_derived AS SELECT x AS label FROM (SELECT email AS x FROM employees) AS d;
    CREATE VIEW v_union AS SELECT name FROM departments UNION SELECT email FROM employees;
    CREATE FUNCTION mail_of(i INT) RETURNS VARCHAR(200) READS SQL DATA
      RETURN (SELECT email FROM employees WHERE id = i);
    CREATE VIEW v_function AS SELECT id, mail_of(id) AS label FROM departments;
  `);
  agent = await harness.connectAgent();
  direct = await harness.connectDirect();
});
afterAll(async () => {
  await agent?.end();
  await direct?.end();
  await harness?.stop();
});

type Outcome = { rows: unknown } | { errno: number | undefined; message: string };

const run = (connection: Connection, sql: string): Promise<Outcome> =>
  connection.query(sql).then(
    ([rows]) => ({ rows }),
    (error: { errno?: number; message: string }) => ({ errno: error.errno, message: error.message }),
  );

/** The attack shows a clear value directly; through Sluice it is refused or every value masked. */
async function expectDirectLeakAndGatewayNot(sql: string): Promise<Outcome> {
  const oracle = await run(direct, sql);
  expect(JSON.stringify(oracle), `directly, ${sql} shows a clear value`).toMatch(CLEAR);
  const through = await run(agent, sql);
  expect(JSON.stringify(through), `through Sluice, ${sql}`).not.toMatch(CLEAR);
  return through;
}

describe("a column read under another name is masked or refused", () => {
  it.each([
    ["a view", "SELECT contact FROM v_contacts ORDER BY id"],
    ["a view over a view", "SELECT * FROM v_nested ORDER BY id"],
    ["a view's computed column", "SELECT LOWER(loud) AS l FROM v_upper ORDER BY id"],
    [
      "a view joined with a clean table",
      "SELECT d.name, v.contact FROM departments d JOIN v_contacts v ON v.id = d.id",
    ],
    ["a view in a scalar subquery", "SELECT (SELECT contact FROM v_contacts WHERE id = 1) AS c"],
    ["a view in a derived table", "SELECT c FROM (SELECT contact AS c FROM v_contacts) AS t"],
    [
      "a CTE named after the view it reads",
      "WITH v_contacts AS (SELECT * FROM v_contacts) SELECT contact FROM v_contacts ORDER BY id",
    ],
    [
      "a CTE borrowing a clean table's name and column",
      "WITH departments AS (SELECT email AS name FROM employees) SELECT name FROM departments",
    ],
    [
      "a derived table borrowing a clean table's name and column",
      "SELECT name FROM (SELECT email AS name FROM employees) AS departments",
    ],
    ["UNION with a clean table first", "SELECT name FROM departments UNION SELECT email FROM employees"],
    ["UNION over a view", "SELECT name FROM departments UNION ALL SELECT contact FROM v_contacts"],
    [
      "UNION in a derived table",
      "SELECT x FROM (SELECT name AS x FROM departments UNION SELECT email FROM employees) AS t",
    ],
  ])("%s", async (_name, sql) => {
    const through = await expectDirectLeakAndGatewayNot(sql);
    if ("rows" in through) expect(JSON.stringify(through.rows)).toMatch(/REDACTED/);
    else expect(through.errno).toBe(1227);
  });

  it("a view created after the session began is masked on its first read", async () => {
    await harness.asAdmin("CREATE VIEW v_late AS SELECT email AS e FROM employees");
    await expectDirectLeakAndGatewayNot("SELECT e FROM v_late");
  });

  it("prepared statements (binary rows) over a view", async () => {
    const [viaDirect] = await direct.execute("SELECT contact FROM v_contacts WHERE id = ?", [1]);
    expect(JSON.stringify(viaDirect)).toMatch(CLEAR);
    const [through] = await agent.execute("SELECT contact FROM v_contacts WHERE id = ?", [1]);
    expect(through).toEqual([{ contact: "[REDACTED]" }]);
  });

  it.each([
    ["a view renaming a masked column", "SELECT name FROM v_renamed ORDER BY id"],
    ["a view over a derived table", "SELECT label FROM v_derived"],
    ["a view with UNION", "SELECT name FROM v_union"],
    ["a view calling a stored function (it can read any table)", "SELECT label FROM v_function"],
    ["a CTE over a view over a view", "WITH c AS (SELECT * FROM v_nested) SELECT contact FROM c"],
    ["a CTE over a renaming view", "WITH c AS (SELECT name AS n FROM v_renamed) SELECT LOWER(n) AS n FROM c"],
    ["a CTE with a column list", "WITH c (n) AS (SELECT email FROM employees) SELECT n FROM c"],
  ])("traced to a masked column: %s", async (_name, sql) => {
    const through = await expectDirectLeakAndGatewayNot(sql);
    expect(JSON.stringify(through)).toMatch(/REDACTED/);
  });
});

describe("views and CTEs that trace only to unmasked columns are read in clear", () => {
  it.each([
    ["a view over a clean table", "SELECT id, name FROM v_departments ORDER BY id"],
    ["a view over a clean view", "SELECT id, name FROM v_departments_nested ORDER BY id"],
    ["a CTE over a clean table", "WITH c AS (SELECT id, name FROM departments) SELECT id, name FROM c"],
    ["a CTE over a clean view", "WITH c AS (SELECT name FROM v_departments) SELECT UPPER(name) AS n FROM c"],
    ["the clean column of a view that also holds a masked one", "SELECT id FROM v_contacts ORDER BY id"],
    ["the clean column of a view over that view", "SELECT id FROM v_nested ORDER BY id"],
    [
      "a clean view joined with the masked table's clean columns",
      "SELECT v.name, e.name AS person FROM v_departments v JOIN employees e ON e.id = v.id",
    ],
  ])("%s", async (_name, sql) => {
    const through = await run(agent, sql);
    expect(through).toEqual(await run(direct, sql));
    expect(JSON.stringify(through)).not.toMatch(/REDACTED/);
  });

  it("a clean view beside the masked table: the view's columns clear, the masked one redacted", async () => {
    const [rows] = await agent.query(
      "SELECT d.name, v.name AS vname, UPPER(v.name) AS loud, e.email FROM departments d JOIN v_departments v ON v.id = d.id JOIN employees e ON e.id = d.id",
    );
    expect(rows).toEqual([{ name: "eng", vname: "eng", loud: "ENG", email: "[REDACTED]" }]);
  });

  it("copying from a clean view into a table is a write like any other", async () => {
    await agent.query("INSERT INTO departments SELECT 100 + id, name FROM v_departments");
    const [rows] = await direct.query("SELECT name FROM departments WHERE id > 100");
    await direct.query("DELETE FROM departments WHERE id > 100");
    expect(rows).toEqual([{ name: "eng" }]);
  });
});

describe("values kept where masking cannot follow them are refused", () => {
  it.each([
    ["SELECT … INTO @v", "SELECT email INTO @v FROM employees WHERE id = 1", "SELECT @v AS v"],
    ["@v := in a select list", "SELECT @v := email FROM employees WHERE id = 1", "SELECT @v AS v"],
    ["SET @v = (subquery)", "SET @v = (SELECT email FROM employees WHERE id = 1)", "SELECT @v AS v"],
    ["a view into @v", "SELECT contact INTO @v FROM v_contacts WHERE id = 1", "SELECT @v AS v"],
  ])("%s", async (_name, store, readBack) => {
    await direct.query(store);
    expect(JSON.stringify(await run(direct, readBack))).toMatch(CLEAR);
    const refused = await run(agent, store);
    expect(refused).toMatchObject({ errno: 1227 });
    expect(JSON.stringify(await run(agent, readBack))).not.toMatch(CLEAR);
  });

  it("copying a view's values into a table, or a new view over it", async () => {
    await direct.beginTransaction();
    await direct.query("INSERT INTO departments SELECT 10 + id, contact FROM v_contacts");
    expect(JSON.stringify(await run(direct, "SELECT name FROM departments WHERE id > 10"))).toMatch(CLEAR);
    await direct.rollback();
    const copy = await run(agent, "INSERT INTO departments SELECT 10 + id, contact FROM v_contacts");
    expect(copy).toMatchObject({ errno: 1227 });
    expect((copy as { message: string }).message).toMatch(/unmaskable-channel/);
    const view = await run(agent, "CREATE VIEW v_mine AS SELECT contact AS c FROM v_contacts");
    expect(view).toMatchObject({ errno: 1227 });
    expect(JSON.stringify(await run(agent, "SELECT name FROM departments WHERE id > 10"))).not.toMatch(CLEAR);
  });

  it.each([
    ["PREPARE from text", "PREPARE s FROM 'SELECT email FROM employees'"],
    ["EXECUTE IMMEDIATE", "EXECUTE IMMEDIATE 'SELECT email FROM employees'"],
    ["HANDLER", "HANDLER employees OPEN"],
    ["TABLE", "TABLE employees"],
    ["DO with an assignment", "DO (SELECT @w := email FROM employees LIMIT 1)"],
  ])("SQL Sluice cannot see through is refused: %s", async (_name, sql) => {
    expect(await run(agent, sql)).toMatchObject({ errno: 1227 });
  });

  it("renaming the masked table or column away from its rule", async () => {
    for (const sql of [
      "RENAME TABLE employees TO staff",
      "ALTER TABLE employees RENAME TO staff",
      "ALTER TABLE employees CHANGE email mail VARCHAR(200)",
    ]) {
      expect(await run(agent, sql), sql).toMatchObject({ errno: 1227 });
    }
    expect(await run(agent, "SELECT email FROM employees WHERE id = 1")).toEqual({
      rows: [{ email: "[REDACTED]" }],
    });
  });
});

describe("system relations and diagnostics that hold column values", () => {
  it("mysql.column_stats keeps a column's minimum and maximum", async () => {
    await harness.asAdmin(
      `ANALYZE TABLE employees PERSISTENT FOR ALL; GRANT SELECT ON mysql.column_stats TO '${harness.upstreamUser}'@'%'`,
    );
    const sql = `SELECT CAST(min_value AS CHAR) AS min_value, CAST(max_value AS CHAR) AS max_value FROM mysql.column_stats WHERE db_name = '${harness.database}' AND column_name = 'email'`;
    const through = await expectDirectLeakAndGatewayNot(sql);
    expect(through).toEqual({ rows: [{ min_value: "[REDACTED]", max_value: "[REDACTED]" }] });
  });

  it("SHOW WARNINGS after a view's value was quoted in a warning", async () => {
    await direct.query("SELECT contact + 0 AS n FROM v_contacts WHERE id = 1");
    const [warnings] = await direct.query("SHOW WARNINGS");
    expect(JSON.stringify(warnings)).toMatch(CLEAR);
    await agent.query("SELECT contact + 0 AS n FROM v_contacts WHERE id = 1");
    const [through] = (await agent.query("SHOW WARNINGS")) as unknown as [Array<Record<string, unknown>>];
    expect(through.length).toBeGreaterThan(0);
    expect(JSON.stringify(through)).not.toMatch(CLEAR);
    expect(through[0]?.Message).toBe("[REDACTED]");
  });

  it("SHOW WARNINGS after a clean statement is answered as the server answers it", async () => {
    const sql = "SELECT 'x' + 0 AS n";
    await direct.query(sql);
    const [expected] = await direct.query("SHOW WARNINGS");
    await agent.query(sql);
    const [through] = await agent.query("SHOW WARNINGS");
    expect(through).toEqual(expected);
    expect(JSON.stringify(through)).toMatch(/Truncated incorrect DOUBLE value: 'x'/);
  });
});
