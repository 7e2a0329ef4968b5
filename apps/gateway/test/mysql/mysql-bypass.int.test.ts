import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  MASK_EMPLOYEE_EMAIL,
  MASK_EMPLOYEE_SSN,
  type MySqlHarness,
  startMySqlHarness,
} from "../support/mysql-harness";

/**
 * The MySQL bypass corpus: every way an agent could get past the guardrails or masking by making
 * the gateway and MariaDB read a statement differently, or by computing a masked value into a
 * column masking by origin would not see. Each case is a permanent one.
 */
let harness: MySqlHarness;
let agent: Connection;

beforeAll(async () => {
  harness = await startMySqlHarness({
    masking: [MASK_EMPLOYEE_EMAIL, MASK_EMPLOYEE_SSN],
    guardrails: [
      { name: "no-unscoped", kind: "MISSING_WHERE", effect: "DENY", match: { kinds: ["UPDATE", "DELETE"] } },
    ],
  });
  agent = await harness.connectAgent();
});
afterAll(async () => {
  await agent?.end();
  await harness?.stop();
});

const refusal = async (sql: string) => {
  const error = await agent.query(sql).then(
    () => null,
    (caught: { errno?: number; message: string }) => caught,
  );
  expect(error, `${sql} should be refused`).not.toBeNull();
  return error as { errno?: number; message: string };
};

const rows = async (sql: string) => (await agent.query(sql))[0] as Array<Record<string, unknown>>;

describe("one reading: what the server would lex differently is refused", () => {
  it("executable comments, versioned or MariaDB-only", async () => {
    expect((await refusal("SELECT 1 /*!, email FROM employees */")).message).toMatch(/executable comment/);
    expect((await refusal("SELECT 1 /*!50001 , email FROM employees */")).message).toMatch(
      /executable comment/,
    );
    expect((await refusal("SELECT /*M!100000 email, */ 1 FROM employees")).message).toMatch(
      /executable comment/,
    );
    // The session goes on after a refusal.
    expect(await rows("SELECT 1 AS one")).toEqual([{ one: 1 }]);
  });

  it("switching on ANSI_QUOTES or NO_BACKSLASH_ESCAPES", async () => {
    expect((await refusal("SET sql_mode = 'ANSI_QUOTES'")).message).toMatch(/pinned/);
    expect(
      (await refusal("SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')")).message,
    ).toMatch(/pinned/);
    expect((await refusal("SET @@session.sql_mode = 'ANSI'")).message).toMatch(/pinned/);
    // Without ANSI_QUOTES "email" is a string, not the column.
    expect(await rows(`SELECT "email" AS e FROM employees WHERE id = 1`)).toEqual([{ e: "email" }]);
  });

  it("switching the client character set", async () => {
    await refusal("SET NAMES gbk");
    await refusal("SET CHARACTER SET big5");
    expect((await refusal("SET character_set_client = 'sjis'")).message).toMatch(/pinned/);
    expect(await rows("SELECT @@character_set_client AS cs")).toEqual([{ cs: "utf8mb4" }]);
  });

  it("-- without a blank (minus minus, not a comment, to the server)", async () => {
    expect((await refusal("SELECT 1 --1")).message).toMatch(/two minus signs/);
  });

  it("backslash escapes end strings where the server ends them", async () => {
    const [row] = await rows("SELECT 'it\\'s' AS s, email FROM employees WHERE id = 1");
    expect(row).toEqual({ s: "it's", email: "[REDACTED]" });
  });
});

describe("server files, hidden SQL and timing functions are refused", () => {
  it.each([
    ["SELECT LOAD_FILE('/etc/passwd') AS f", /reads a file/],
    ["SELECT * FROM employees INTO OUTFILE '/tmp/sluice-out.csv'", /server/],
    ["SELECT email FROM employees INTO DUMPFILE '/tmp/sluice-dump'", /server/],
    ["LOAD DATA INFILE '/etc/passwd' INTO TABLE departments", /server/],
    ["SELECT SLEEP(2)", /timing channel/],
    ["SELECT BENCHMARK(1000000, MD5('x'))", /timing channel/],
    ["SELECT sys_exec('id')", /not a function Sluice can judge/],
    ["CALL mysql.some_procedure()", /stored procedure/],
  ])("%s", async (sql, message) => {
    const error = await refusal(sql);
    expect(error.errno).toBe(1227);
    expect(error.message).toMatch(message);
  });
});

describe("guardrails: MISSING_WHERE and READ_ONLY", () => {
  it("refuses unscoped writes and allows scoped ones", async () => {
    expect((await refusal("DELETE FROM departments")).message).toMatch(/no-unscoped/);
    expect((await refusal("UPDATE employees SET salary = 0")).message).toMatch(/no-unscoped/);
    const [result] = await agent.query("UPDATE departments SET name = 'eng' WHERE id = 1");
    expect(result).toMatchObject({ affectedRows: 1 });
  });

  it("refuses writes on a read-only connection, reads still work", async () => {
    const before = harness.current.policy;
    harness.current.policy = { ...before, isReadOnly: true };
    try {
      await refusal("UPDATE departments SET name = 'x' WHERE id = 1");
      await refusal("CREATE TABLE t_new (id INT)");
      expect(await rows("SELECT name FROM departments")).toEqual([{ name: "eng" }]);
    } finally {
      harness.current.policy = before;
    }
  });
});

describe("masking by origin and lineage, fail closed", () => {
  it("masks a column by its origin, under any alias", async () => {
    expect(await rows("SELECT e.email AS contact, name FROM employees e ORDER BY id")).toEqual([
      { contact: "[REDACTED]", name: "Ada" },
      { contact: "[REDACTED]", name: "Grace" },
    ]);
    expect(await rows("SELECT ssn FROM employees WHERE id = 1")).toEqual([{ ssn: "*******6789" }]);
  });

  it.each([
    ["CONCAT", "SELECT CONCAT(email, '') AS v FROM employees WHERE id = 1"],
    ["JSON_OBJECT", "SELECT JSON_OBJECT('e', email) AS v FROM employees WHERE id = 1"],
    ["a scalar subquery", "SELECT (SELECT email FROM employees WHERE id = 1) AS v"],
    ["UPPER", "SELECT UPPER(email) AS v FROM employees WHERE id = 1"],
    ["a derived table", "SELECT v FROM (SELECT CONCAT(email) AS v FROM employees) AS t LIMIT 1"],
  ])("masks a value computed from a masked column (%s)", async (_name, sql) => {
    const result = await agent.query(sql).then(
      ([found]) => found as Array<{ v: unknown }>,
      (error: { errno?: number }) => error,
    );
    // Either refused outright or masked: never the clear value.
    if (Array.isArray(result)) {
      expect(JSON.stringify(result)).not.toMatch(/example\.com/);
      expect(result[0]?.v).toBe("[REDACTED]");
    } else {
      expect(result.errno).toBe(1227);
    }
  });

  it("masks binary rows of prepared statements", async () => {
    const [found] = await agent.execute("SELECT id, email, name FROM employees WHERE id = ?", [2]);
    expect(found).toEqual([{ id: 2, email: "[REDACTED]", name: "Grace" }]);
  });

  it("never shows warnings that quote a masked value", async () => {
    // "Truncated incorrect DOUBLE value: 'ada@example.com'" is the server's warning.
    await agent.query("SELECT email + 0 AS n FROM employees WHERE id = 1");
    const [warnings] = (await agent.query("SHOW WARNINGS")) as unknown as [Array<{ Message: unknown }>];
    expect(warnings.length).toBeGreaterThan(0);
    expect(JSON.stringify(warnings)).not.toMatch(/example\.com/);
    expect(warnings[0]?.Message).toBe("[REDACTED]");
    await agent.query("SELECT email + 0 AS n FROM employees WHERE id = 1");
    expect(JSON.stringify((await agent.query("SHOW ERRORS"))[0])).not.toMatch(/example\.com/);
  });

  it("withholds error text that could quote a masked value", async () => {
    const error = await agent
      .query(
        "INSERT INTO employees (id, email) SELECT 3, email FROM employees WHERE id = 1 UNION ALL SELECT 3, email FROM employees WHERE id = 1",
      )
      .then(
        () => null,
        (caught: { message: string }) => caught,
      );
    expect(error?.message ?? "").not.toMatch(/example\.com/);
  });
});
