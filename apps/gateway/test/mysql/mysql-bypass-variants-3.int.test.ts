import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  MASK_EMPLOYEE_EMAIL,
  MASK_EMPLOYEE_SSN,
  type MySqlHarness,
  startMySqlHarness,
} from "../support/mysql-harness";

/**
 * Issue 14 on the MySQL path, a third red-team round (redteam4). Found and fixed here:
 *
 * - MISSING_WHERE only asked whether a WHERE was there: `WHERE 1`, `WHERE TRUE`, `WHERE id = id`,
 *   `WHERE 'a' = 'a'`, `WHERE id IN (1, id)`, `WHERE id = 1 OR 1`, `WHERE NOT NOT id` and
 *   `TRUNCATE` emptied the table. The condition is now judged as on Postgres (write-scope.ts).
 *   `WHERE id = 1 || 1` and `… XOR 1` also hid a reading mismatch: the grammar binds `||` and XOR
 *   tighter than `=`, the server looser, so Sluice saw `id = (1 || 1)` where the server ran
 *   `(id = 1) OR 1`.
 * - A review rule (or COLUMN guardrail) on `employees.salary` did not see an INSERT/REPLACE
 *   without a column list write it.
 *
 * The rest held and stays as permanent cases: each runs on the server first (the oracle: the
 * rows really go, the values really come back), then through Sluice.
 */
let harness: MySqlHarness;

beforeAll(async () => {
  harness = await startMySqlHarness({
    masking: [MASK_EMPLOYEE_EMAIL, MASK_EMPLOYEE_SSN],
    guardrails: [
      { name: "no-unscoped", kind: "MISSING_WHERE", effect: "DENY", match: { kinds: ["UPDATE", "DELETE"] } },
    ],
    reviews: [
      { name: "salary-reads", match: { columns: ["employees.salary"] }, reviewerGroups: ["finance"] },
    ],
  });
});
afterAll(() => harness?.stop());

type Outcome = { rows: unknown } | { errno: number | undefined; message: string };
const run = (connection: Connection, sql: string): Promise<Outcome> =>
  connection.query(sql).then(
    ([rows]) => ({ rows }),
    (error: { errno?: number; message: string }) => ({ errno: error.errno, message: error.message }),
  );

async function runAll(who: "direct" | "agent", steps: readonly string[]): Promise<Outcome[]> {
  const connection =
    who === "direct"
      ? await harness.connectDirect({ multipleStatements: true })
      : await harness.connectAgent({ multipleStatements: true });
  try {
    const out: Outcome[] = [];
    for (const step of steps) out.push(await run(connection, step));
    return out;
  } finally {
    await connection.end();
  }
}

const departments = async () => {
  const [rows] = await harness.asAdmin("SELECT count(*) AS n FROM departments");
  return Number((rows as { n: number }[])[0]?.n);
};
const resetDepartments = () =>
  harness.asAdmin("DELETE FROM departments; INSERT INTO departments VALUES (1, 'eng'), (2, 'ops')");
const resetEmployees = () =>
  harness.asAdmin(`DELETE FROM employees; INSERT INTO employees VALUES
    (1, 'Ada', 'ada@example.com', '123-45-6789', 100), (2, 'Grace', 'grace@example.com', '987-65-4321', 200)`);

describe("MISSING_WHERE: a condition that limits nothing is no condition", () => {
  beforeEach(resetDepartments);

  it.each([
    "DELETE FROM departments WHERE 1",
    "DELETE FROM departments WHERE TRUE",
    "DELETE FROM departments WHERE id",
    "DELETE FROM departments WHERE NOT NOT id",
    "DELETE FROM departments WHERE 'a' = 'a'",
    "DELETE FROM departments WHERE id = id",
    "DELETE FROM departments WHERE id = (id)",
    "DELETE FROM departments WHERE id = id + 0",
    "DELETE FROM departments WHERE (id, name) = (id, name)",
    "DELETE FROM departments WHERE id IN (id)",
    "DELETE FROM departments WHERE id IN (1, id)",
    "DELETE FROM departments WHERE id BETWEEN id AND id",
    "DELETE FROM departments WHERE id = 1 OR 1",
    "DELETE FROM departments WHERE id = 1 || 1",
    "DELETE FROM departments WHERE id = 2 XOR 1",
    "DELETE FROM departments WHERE id < 5 OR id >= 5",
    "DELETE FROM departments WHERE id LIKE '%'",
    "DELETE FROM departments WHERE name IS NOT NULL",
    "DELETE FROM departments WHERE id IS TRUE",
    "DELETE FROM departments WHERE id IN (SELECT x.id FROM (SELECT id FROM departments) x)",
    "DELETE FROM departments WHERE id = 1 OR id <> 1",
    "UPDATE departments SET name = 'x' WHERE TRUE",
    "UPDATE departments SET name = 'x' WHERE name = name",
    "UPDATE departments d, employees e SET d.name = 'x' WHERE e.id = 1",
    "DELETE d FROM departments d JOIN employees e ON d.id = e.id WHERE e.id > 0 OR 1",
    "TRUNCATE departments",
    "TRUNCATE TABLE departments",
  ])("%s", async (sql) => {
    const directly = await runAll("direct", [sql, "SELECT group_concat(name) AS x FROM departments"]);
    expect(directly[0], "it runs directly").toHaveProperty("rows");
    const [after] = directly.slice(1) as { rows: { x: string | null }[] }[];
    expect(after?.rows[0]?.x, "and reaches every row").not.toBe("eng,ops");
    await resetDepartments();
    const [through] = await runAll("agent", [sql]);
    expect(through).toMatchObject({ errno: 1227, message: expect.stringMatching(/"no-unscoped"/) });
    expect(await departments()).toBe(2);
  });

  it.each([
    "DELETE FROM departments WHERE id = 42",
    "DELETE FROM departments WHERE id IN (41, 42)",
    "DELETE FROM departments WHERE name LIKE 'z%'",
    "UPDATE departments SET name = name WHERE id = 1",
  ])("still allowed: %s", async (sql) => {
    const [through] = await runAll("agent", [sql]);
    expect(through).toHaveProperty("rows");
    expect(await departments()).toBe(2);
  });
});

describe("review rules see every column a write without a column list fills", () => {
  beforeEach(resetEmployees);

  it.each([
    "INSERT INTO employees VALUES (3, 'c', 'e', 's', 5)",
    "REPLACE INTO employees VALUES (1, 'Ada', 'a', 's', 5)",
    "INSERT INTO employees SELECT 4, 'd', 'e', 's', 6",
  ])("%s", async (sql) => {
    const [directly] = await runAll("direct", [sql]);
    expect(directly).toHaveProperty("rows");
    await resetEmployees();
    const [through] = await runAll("agent", [sql]);
    expect(through).toMatchObject({ errno: 1227, message: expect.stringMatching(/"salary-reads"/) });
    const [rows] = await harness.asAdmin("SELECT group_concat(salary ORDER BY id) AS s FROM employees");
    expect((rows as { s: string }[])[0]?.s).toBe("100,200");
  });
});

/** Held: each reads a masked or reviewed value directly; through Sluice it is refused or masked. */
const CLEAR = /ada@example\.com|grace@example\.com|123-45-6789|987-65-4321/;
const HELD: { steps: string[]; reads: "masked" | "salary" }[] = [
  { steps: ["HANDLER employees OPEN", "HANDLER employees READ FIRST"], reads: "masked" },
  { steps: ["HANDLER employees OPEN AS hh", "HANDLER hh READ `PRIMARY` FIRST"], reads: "masked" },
  { steps: ["SELECT * INTO @a, @b, @c, @d, @s FROM employees LIMIT 1", "SELECT @s AS x"], reads: "salary" },
  { steps: ["SELECT @s3 := salary FROM employees LIMIT 1"], reads: "salary" },
  { steps: ["SET @s4 = (SELECT salary FROM employees LIMIT 1)", "SELECT @s4 AS x"], reads: "salary" },
  { steps: ["SELECT JSON_OBJECTAGG(id, salary) AS x FROM employees"], reads: "salary" },
  { steps: ["SELECT x FROM (SELECT salary x FROM employees) t"], reads: "salary" },
  { steps: ["CREATE TEMPORARY TABLE te AS SELECT * FROM employees", "SELECT * FROM te"], reads: "masked" },
  {
    steps: [
      "CREATE TEMPORARY TABLE te2 LIKE employees",
      "INSERT INTO te2 SELECT * FROM employees",
      "SELECT * FROM te2",
    ],
    reads: "masked",
  },
  { steps: ["SELECT e.* FROM employees e"], reads: "masked" },
  { steps: ["SELECT COLUMN_JSON(COLUMN_CREATE('a', email)) AS x FROM employees"], reads: "masked" },
  { steps: ["SELECT JSON_OBJECT('a', email) AS x FROM employees"], reads: "masked" },
  { steps: ["SELECT email AS x FROM employees UNION SELECT 'z'"], reads: "masked" },
  {
    steps: ["SELECT EXTRACTVALUE(1, CONCAT(0x7e, (SELECT email FROM employees LIMIT 1))) AS x"],
    reads: "masked",
  },
  {
    steps: ["SELECT UPDATEXML(1, CONCAT(0x7e, (SELECT email FROM employees LIMIT 1)), 1) AS x"],
    reads: "masked",
  },
  { steps: ["SELECT email + 0 AS x FROM employees", "SHOW WARNINGS"], reads: "masked" },
  { steps: ["SELECT CAST(email AS DATE) AS x FROM employees", "SHOW WARNINGS"], reads: "masked" },
  { steps: ["SELECT CAST(ssn AS INT) AS x FROM employees", "SHOW WARNINGS"], reads: "masked" },
  { steps: ["SELECT 1 /*!, email */ AS x FROM employees"], reads: "masked" },
  { steps: ["SELECT 1 /*M!100000 , email */ FROM employees"], reads: "masked" },
  { steps: ["SELECT 1 /*M! , email */ FROM employees"], reads: "masked" },
  { steps: ["SELECT 'a' 'b', email FROM employees"], reads: "masked" },
  { steps: ["SELECT _latin1'x', email FROM employees"], reads: "masked" },
  { steps: ["SELECT N'x' AS x, email FROM employees"], reads: "masked" },
  { steps: ["SELECT email FROM `employees`"], reads: "masked" },
  { steps: ["SELECT LAG(email) OVER (ORDER BY id) AS x FROM employees"], reads: "masked" },
  { steps: ["SELECT ssn AS x FROM employees ORDER BY 1"], reads: "masked" },
  {
    steps: ["CREATE TEMPORARY TABLE notes2 AS SELECT email AS v FROM employees", "SELECT v FROM notes2"],
    reads: "masked",
  },
  { steps: ["SELECT email AS x FROM employees LIMIT 1 INTO @e", "SELECT @e AS x"], reads: "masked" },
  {
    steps: [
      "SELECT * FROM JSON_TABLE((SELECT JSON_ARRAYAGG(email) FROM employees), '$[*]' COLUMNS (x VARCHAR(200) PATH '$')) jt",
    ],
    reads: "masked",
  },
  { steps: ["SELECT * FROM (VALUES ((SELECT salary FROM employees LIMIT 1))) t"], reads: "salary" },
  {
    steps: [
      "CREATE VIEW vv AS SELECT salary AS x FROM employees",
      "SELECT x FROM vv",
      "DROP VIEW IF EXISTS vv",
    ],
    reads: "salary",
  },
  // Round two: comment and quoting forms, functions over a masked column, CTE column lists, copies.
  { steps: ["SELECT 1 /*!00000 , email*/ FROM employees"], reads: "masked" },
  { steps: ["SELECT 1 /*!*/ , email FROM employees"], reads: "masked" },
  { steps: ["SELECT /*+ MAX_EXECUTION_TIME(1000) */ email FROM employees"], reads: "masked" },
  { steps: ['SELECT "a", email FROM employees'], reads: "masked" },
  { steps: ["SELECT GROUP_CONCAT(email SEPARATOR ',') AS x FROM employees"], reads: "masked" },
  { steps: ["SELECT UNHEX(HEX(email)) AS x FROM employees"], reads: "salary" },
  { steps: ["SELECT CONVERT(email USING latin1) AS x FROM employees"], reads: "masked" },
  { steps: ["SELECT CONVERT(email, CHAR) AS x FROM employees"], reads: "masked" },
  { steps: ["SELECT email COLLATE utf8mb4_bin AS x FROM employees"], reads: "masked" },
  { steps: ["SELECT IF(1, email, 0) AS x FROM employees"], reads: "masked" },
  { steps: ["SELECT CASE WHEN 1 THEN email END AS x FROM employees"], reads: "masked" },
  { steps: ["SELECT COALESCE(email) AS x FROM employees"], reads: "masked" },
  { steps: ["SELECT (SELECT email) AS x FROM employees"], reads: "masked" },
  { steps: ["SELECT (SELECT e.email FROM DUAL) AS x FROM employees e"], reads: "masked" },
  { steps: ["SELECT email FROM employees e NATURAL JOIN employees f"], reads: "masked" },
  { steps: ["SELECT * FROM employees e JOIN employees f USING (id)"], reads: "masked" },
  { steps: ["SELECT f.* FROM (SELECT * FROM employees) f"], reads: "masked" },
  { steps: ["SELECT JSON_EXTRACT(JSON_OBJECT('a', email), '$.a') AS x FROM employees"], reads: "masked" },
  {
    steps: ["SELECT JSON_UNQUOTE(JSON_EXTRACT(JSON_ARRAYAGG(email), '$[0]')) AS x FROM employees"],
    reads: "masked",
  },
  { steps: ["WITH e2 AS (SELECT * FROM employees) SELECT email FROM e2"], reads: "masked" },
  { steps: ["WITH e2 (a, b, c, d, f) AS (SELECT * FROM employees) SELECT c AS x FROM e2"], reads: "masked" },
  { steps: ["WITH e2 (a, b, c, d, f) AS (SELECT * FROM employees) SELECT f AS x FROM e2"], reads: "salary" },
  {
    steps: ["SELECT email FROM employees UNION ALL SELECT name FROM departments ORDER BY 1"],
    reads: "masked",
  },
  { steps: ["SELECT email FROM employees WHERE email = 1", "SHOW WARNINGS LIMIT 1"], reads: "masked" },
  {
    steps: ["SELECT email FROM employees WHERE email = 1", "SHOW WARNINGS", "SHOW WARNINGS"],
    reads: "masked",
  },
  { steps: ["SELECT CAST(email AS SIGNED) FROM employees", "SELECT 1", "SHOW WARNINGS"], reads: "masked" },
  { steps: ["SELECT x FROM (SELECT email AS x FROM employees LIMIT 1) d"], reads: "masked" },
  { steps: ["SELECT DISTINCT email FROM employees"], reads: "masked" },
  { steps: ["SELECT MAX(email) AS x FROM employees"], reads: "masked" },
  { steps: ["SELECT email FROM employees HAVING 1"], reads: "masked" },
  { steps: ["SELECT email AS x FROM employees GROUP BY email WITH ROLLUP"], reads: "masked" },
  { steps: ["SELECT email REGEXP '^a' AS x, email FROM employees"], reads: "masked" },
  { steps: ["SELECT CHARSET(email), email FROM employees"], reads: "masked" },
  { steps: ["SELECT LENGTH(email), email FROM employees"], reads: "masked" },
  { steps: ["SELECT ELT(1, email) AS x FROM employees"], reads: "masked" },
  { steps: ["SELECT FIELD('a', email), MAKE_SET(1, email) AS x FROM employees"], reads: "masked" },
  { steps: ["SELECT INSERT(email, 1, 0, '') AS x FROM employees"], reads: "masked" },
  { steps: ["SELECT LPAD(email, 50, ' ') AS x FROM employees"], reads: "masked" },
  { steps: ["SELECT QUOTE(email) AS x FROM employees"], reads: "masked" },
  { steps: ["SELECT SOUNDEX(email), SPACE(1), email FROM employees"], reads: "masked" },
  { steps: ["SELECT COMPRESS(email) AS x FROM employees"], reads: "salary" },
  { steps: ["SELECT UNCOMPRESS(COMPRESS(email)) AS x FROM employees"], reads: "salary" },
  { steps: ["SELECT AES_DECRYPT(AES_ENCRYPT(email, 'k'), 'k') AS x FROM employees"], reads: "salary" },
  { steps: ["SELECT DECODE(ENCODE(email, 'k'), 'k') AS x FROM employees"], reads: "salary" },
  { steps: ["SELECT LAST_VALUE(email) AS x FROM employees"], reads: "masked" },
  { steps: ["ANALYZE SELECT email FROM employees"], reads: "salary" },
  {
    steps: ["ANALYZE FORMAT=JSON SELECT email FROM employees WHERE email = 'ada@example.com'"],
    reads: "masked",
  },
  { steps: ["EXPLAIN FORMAT=JSON SELECT email FROM employees WHERE email = 'x'"], reads: "salary" },
  { steps: ["SHOW CREATE TABLE employees"], reads: "salary" },
  { steps: ["SELECT email FROM employees WHERE id = 1 LOCK IN SHARE MODE"], reads: "masked" },
  { steps: ["SELECT email FROM employees e WHERE EXISTS (SELECT 1) "], reads: "masked" },
];

describe("held: masked and reviewed values under other shapes stay out", () => {
  beforeAll(resetEmployees);

  it.each(HELD.map((held) => [held.steps.join("; "), held] as const))("%s", async (_name, held) => {
    const directly = JSON.stringify(await runAll("direct", held.steps));
    const isRevealed = (text: string) =>
      held.reads === "masked" ? CLEAR.test(text) : /\b(100|200)\b/.test(text);
    expect(isRevealed(directly), `the server answers ${directly.slice(0, 200)}`).toBe(true);
    const through = JSON.stringify(await runAll("agent", held.steps));
    expect(isRevealed(through), through.slice(0, 400)).toBe(false);
    await harness.asAdmin("DROP VIEW IF EXISTS vv");
  });
});
