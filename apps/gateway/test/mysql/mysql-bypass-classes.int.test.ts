import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  MASK_EMPLOYEE_EMAIL,
  MASK_EMPLOYEE_SSN,
  type MySqlHarness,
  startMySqlHarness,
} from "../support/mysql-harness";

/**
 * The Postgres bypass classes, each with MySQL cases, through the real gateway: one reading (the
 * gateway reads a statement as the server lexes it, or refuses it), per-statement result state
 * (each result masked by its own statement), lineage by identity (a masked value under another
 * name), functions by knowledge, and errors carrying values. Every case runs directly first: the
 * server's real answer shows what the attack would get; through Sluice it is refused or masked, or,
 * where the gateway reads it as the server does, answered exactly as directly.
 */
const MASKED = /^(\[REDACTED\]|\*+\d{4})$/;
const CLEAR = /ada@example\.com|grace@example\.com|123-45-6789|987-65-4321/;

let harness: MySqlHarness;
let agent: Connection;
let direct: Connection;

beforeAll(async () => {
  harness = await startMySqlHarness({
    masking: [MASK_EMPLOYEE_EMAIL, MASK_EMPLOYEE_SSN],
  });
  await harness.asAdmin(`
    CREATE VIEW v_mail AS SELECT id, email AS contact FROM employees;
    CREATE VIEW v_names AS SELECT id, name FROM employees;
    CREATE FUNCTION echo_text(x VARCHAR(200)) RETURNS VARCHAR(200) DETERMINISTIC RETURN x;
  `);
  agent = await harness.connectAgent({ multipleStatements: true });
  direct = await harness.connectDirect({ multipleStatements: true });
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
/** Every value of the column named `x` in a result (or in each result of a multi-statement query). */
const xs = (rows: unknown): unknown[] =>
  (rows as Array<Record<string, unknown> | Array<Record<string, unknown>>>).flatMap((row) =>
    Array.isArray(row) ? row.map((inner) => inner.x) : [row.x],
  );

/** Runs directly (where `isSessionChanging`, on a connection of its own), then through Sluice. */
async function both(sql: string, isSessionChanging = false) {
  const own = isSessionChanging ? await harness.connectDirect() : direct;
  try {
    return { directly: await run(own, sql), through: await run(agent, sql) };
  } finally {
    if (isSessionChanging) await own.end();
  }
}

/** The server runs it; Sluice refuses it with its own message, and the session goes on. */
async function expectRefused(sql: string, isSessionChanging = false) {
  const { directly, through } = await both(sql, isSessionChanging);
  expect(directly, `${sql} runs directly`).toHaveProperty("rows");
  expect(through, `${sql} is refused`).toMatchObject({
    errno: 1227,
    message: expect.stringMatching(/Sluice/),
  });
  expect(await run(agent, "SELECT 1 AS one")).toEqual({ rows: [{ one: 1 }] });
}

/** Directly the column `x` shows values no mask wrote; through Sluice every one of them is masked. */
async function expectMasked(sql: string) {
  const { directly, through } = await both(sql);
  expect(directly).toHaveProperty("rows");
  const clear = xs((directly as { rows: unknown }).rows);
  expect(clear.length, `${sql} answers directly`).toBeGreaterThan(0);
  for (const value of clear) expect(String(value)).not.toMatch(MASKED);
  expect(through).toHaveProperty("rows");
  const values = xs((through as { rows: unknown }).rows);
  expect(values.length).toBe(clear.length);
  for (const value of values) expect(String(value)).toMatch(MASKED);
}

/** Read by the gateway as the server reads it: the same answer both ways. */
async function expectSame(sql: string) {
  const { directly, through } = await both(sql);
  expect(directly).toHaveProperty("rows");
  expect(through).toEqual(directly);
}

describe("one reading", () => {
  it.each([
    "SET sql_mode = 'ANSI_QUOTES'",
    "SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'",
    "SET @@sql_mode = 'ANSI'",
    "SET sql_mode = CONCAT(@@sql_mode, ',PIPES_AS_CONCAT')",
    "SET NAMES gbk",
    "SET NAMES latin1",
    "SET NAMES utf8mb3",
    "SET CHARACTER SET big5",
    "SET character_set_client = 'sjis'",
    "SET collation_connection = 'latin1_swedish_ci'",
  ])("refuses a change of how the server lexes: %s", async (sql) => expectRefused(sql, true));

  it.each([
    "SELECT 1 AS one /*!50000 , (SELECT email FROM employees LIMIT 1) AS x */",
    "SELECT 1 AS one /*! , (SELECT email FROM employees LIMIT 1) AS x */",
    "SELECT 1 AS one /*M!100000 , (SELECT ssn FROM employees LIMIT 1) AS x */",
    "SELECT /*+ MAX_EXECUTION_TIME(1000) */ 1 AS one",
    "SELECT 1 --1",
    // A charset introducer the grammar cannot read: refused, never guessed at.
    "SELECT _latin1'email' AS x",
  ])("refuses what the server would read and a parser would skip: %s", async (sql) => expectRefused(sql));

  it.each(["SET NAMES utf8mb4", "SET NAMES utf8mb4 COLLATE utf8mb4_general_ci", "SET CHARACTER SET utf8mb4"])(
    "allows restating the pinned character set: %s",
    async (sql) => {
      const { directly, through } = await both(sql, true);
      expect(directly).toHaveProperty("rows");
      expect(through).toHaveProperty("rows");
      expect(await run(agent, "SELECT @@character_set_client AS cs")).toEqual({ rows: [{ cs: "utf8mb4" }] });
    },
  );

  it.each([
    "SELECT name AS x FROM employees WHERE id = 1 # , email",
    "SELECT name AS x -- , email\nFROM employees WHERE id = 1",
    "SELECT name AS x /* , email */ FROM employees WHERE id = 1",
    "SELECT 'x\\' , email FROM employees -- ' AS x",
    'SELECT "email" AS x FROM employees WHERE id = 1',
    "SELECT 'it''s' AS x",
  ])("reads comments, quotes and introducers as the server does: %s", async (sql) => expectSame(sql));

  it("SHOW [FULL] TABLES FROM db LIKE … is answered; SHOW TABLES WHERE … is refused", async () => {
    const db = harness.database;
    const { directly, through } = await both(`SHOW TABLES FROM ${db} LIKE 'emp%'`);
    expect(through).toEqual(directly);
    const full = await both(`SHOW FULL TABLES FROM ${db} LIKE 'v_%'`);
    expect(full.through).toEqual(full.directly);
    await expectRefused(`SHOW TABLES FROM ${db} WHERE Tables_in_${db} LIKE 'emp%'`);
  });
});

describe("per-statement result state", () => {
  it("interleaved prepared statements: each execution masked by its own statement", async () => {
    const masked = await agent.prepare("SELECT email AS x FROM employees WHERE id = ?");
    const clear = await agent.prepare("SELECT name AS x FROM employees WHERE id = ?");
    const [[directRow]] = (await direct.execute(
      "SELECT email AS x FROM employees WHERE id = ?",
      [1],
    )) as unknown as [[{ x: string }]];
    expect(directRow.x).toBe("ada@example.com");
    for (const id of [1, 2, 1]) {
      expect((await clear.execute([id]))[0]).toEqual([{ x: id === 1 ? "Ada" : "Grace" }]);
      expect((await masked.execute([id]))[0]).toEqual([{ x: "[REDACTED]" }]);
    }
    await masked.close();
    // A new statement may get the closed one's id upstream: it is masked by its own plan.
    const reused = await agent.prepare("SELECT ssn AS x FROM employees WHERE id = ?");
    expect((await reused.execute([2]))[0]).toEqual([{ x: "*******4321" }]);
    expect((await clear.execute([2]))[0]).toEqual([{ x: "Grace" }]);
    await reused.close();
    await clear.close();
  });

  it.each([
    "SELECT name AS x FROM departments; SELECT email AS x FROM employees",
    "SELECT email AS x FROM employees WHERE id = 1; SELECT ssn AS x FROM employees WHERE id = 2",
  ])("each result of a multi-statement query masked by its own statement: %s", async (sql) => {
    const { directly, through } = await both(sql);
    expect(JSON.stringify(directly)).toMatch(CLEAR);
    const [first, second] = (through as { rows: Array<Array<{ x: unknown }>> }).rows;
    expect(JSON.stringify(through)).not.toMatch(CLEAR);
    expect(second?.every((row) => MASKED.test(String(row.x)))).toBe(true);
    if (sql.startsWith("SELECT name")) expect(first).toEqual([{ x: "eng" }]);
  });
});

describe("lineage by identity", () => {
  it.each([
    "SELECT email AS x FROM employees",
    "SELECT e.ssn AS x FROM employees AS e",
    "SELECT x FROM (SELECT email AS x FROM employees) AS t",
    "SELECT departments.name AS x FROM (SELECT email AS name FROM employees) AS departments",
    "WITH c AS (SELECT ssn AS x FROM employees) SELECT x FROM c",
    "WITH departments AS (SELECT id, email AS name FROM employees) SELECT name AS x FROM departments",
    "SELECT contact AS x FROM v_mail",
    "SELECT name AS x FROM departments UNION ALL SELECT email FROM employees",
    "SELECT email AS x FROM employees UNION SELECT name FROM departments",
    "SELECT JSON_OBJECT('e', email, 'n', name) AS x FROM employees",
    "SELECT JSON_ARRAY(id, ssn) AS x FROM employees",
    "SELECT (SELECT e2.email FROM employees e2 WHERE e2.id = e.id) AS x FROM employees e",
    "SELECT CAST(email AS CHAR) AS x FROM employees",
    "SELECT CONVERT(email USING latin1) AS x FROM employees",
    "SELECT email COLLATE utf8mb4_bin AS x FROM employees",
    "SELECT HEX(ssn) AS x FROM employees",
    "SELECT REVERSE(email) AS x FROM employees",
    "SELECT IF(id = 1, email, name) AS x FROM employees",
    "SELECT COALESCE(NULL, ssn) AS x FROM employees",
    "SELECT SUBSTRING(ssn, 1, 7) AS x FROM employees",
  ])("masks a masked value under another name or shape: %s", async (sql) => expectMasked(sql));

  it("masks the masked columns of a star and of a whole joined row, the rest in clear", async () => {
    const { directly, through } = await both(
      "SELECT e.*, d.name AS dept FROM employees e JOIN departments d ON d.id = e.id",
    );
    expect(JSON.stringify(directly)).toMatch(CLEAR);
    expect(through).toEqual({
      rows: [{ id: 1, name: "Ada", email: "[REDACTED]", ssn: "*******6789", salary: 100, dept: "eng" }],
    });
  });

  it("a view that traces to unmasked columns only is read in clear", async () => {
    await expectSame("SELECT name AS x FROM v_names ORDER BY id");
  });

  it.each([
    "SELECT @v := email AS x FROM employees",
    "SELECT email INTO @v FROM employees LIMIT 1",
    "SET @v = (SELECT ssn FROM employees LIMIT 1)",
    "CREATE TABLE mail_copy AS SELECT email FROM employees",
  ])("refuses keeping a masked value where no origin follows it: %s", async (sql) => {
    const through = await run(agent, sql);
    expect(through).toMatchObject({ errno: 1227, message: expect.stringMatching(/Sluice/) });
  });
});

describe("functions by knowledge", () => {
  it.each([
    "SELECT LOAD_FILE('/etc/hostname') AS x",
    "SELECT SLEEP(0) AS x",
    "SELECT BENCHMARK(10, MD5('x')) AS x",
    "SELECT GET_LOCK('sluice-test', 0) AS x",
    "SELECT echo_text(email) AS x FROM employees",
  ])("refuses what no built-in knowledge clears: %s", async (sql) => expectRefused(sql));

  it("refuses a function the server does not have (sys_exec): judged by name, not by the server", async () => {
    const { directly, through } = await both("SELECT sys_exec('id') AS x");
    expect(directly).toMatchObject({ errno: 1305 });
    expect(through).toMatchObject({ errno: 1227, message: expect.stringMatching(/Sluice/) });
  });

  it("allows safe built-ins, answered as the server answers", async () => {
    await expectSame("SELECT UPPER(name) AS x, LENGTH(name) AS n FROM employees ORDER BY id");
  });
});

describe("errors carrying values", () => {
  it("an upstream error's text is withheld while a masked table is read", async () => {
    const sql = "SELECT email AS x FROM employees WHERE id = 1 AND no_such_column = 1";
    const { directly, through } = await both(sql);
    expect(directly).toMatchObject({ errno: 1054, message: expect.stringContaining("no_such_column") });
    expect(through).toMatchObject({ errno: 1054, message: expect.stringContaining("withheld by Sluice") });
  });

  it.each([
    ["SELECT CAST(ssn AS SIGNED) AS x FROM employees", "SHOW WARNINGS"],
    ["SELECT email + 0 AS x FROM employees", "SHOW WARNINGS LIMIT 1"],
    ["SELECT CAST(email AS DECIMAL(10, 2)) AS x FROM employees", "SHOW ERRORS"],
  ])("warnings after truncating a masked value: %s then %s", async (sql, show) => {
    await run(direct, sql);
    const [directWarnings] = await direct.query(show);
    if (show !== "SHOW ERRORS") expect(JSON.stringify(directWarnings)).toMatch(CLEAR);
    await run(agent, sql);
    const through = await run(agent, show);
    expect(through).toHaveProperty("rows");
    expect(JSON.stringify(through)).not.toMatch(CLEAR);
  });
});
