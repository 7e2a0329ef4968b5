import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMySqlHarness } from "../support/mysql-harness";

/**
 * Bypass corpus, MySQL (issues 14 and 16): a generated column is the columns it is computed from
 * under another name. MariaDB VIRTUAL and PERSISTENT columns, and a generated column over another
 * generated column. Strict mode, the masked-copy guard, review rules and COLUMN guardrails knew a
 * column by its own name only: `WHERE ssn4 = '6789'` answered, `INSERT … SELECT ssn4` copied, and a
 * review rule on salary let `SELECT salary_x2` through. Each is shown to answer directly first.
 */
const SCHEMA_SQL = `
  ALTER TABLE employees
    ADD COLUMN ssn4 CHAR(4) AS (RIGHT(ssn, 4)) VIRTUAL,
    ADD COLUMN ssn4_rev CHAR(5) AS (CONCAT(ssn4, "x")) VIRTUAL,
    ADD COLUMN salary_x2 INT AS (salary * 2) PERSISTENT,
    ADD COLUMN name_up VARCHAR(100) AS (UPPER(name)) VIRTUAL;
  CREATE TABLE notes (id INT, body VARCHAR(100));`;

const mask = (selector: string) => ({
  name: `mask ${selector}`,
  selector,
  detector: null,
  strategy: "REDACT" as const,
  keepLast: null,
  exemptGroups: [],
});

type Outcome = { rows: unknown } | { errno: number | undefined; message: string };
const outcome = (promise: Promise<[unknown, unknown]>): Promise<Outcome> =>
  promise.then(
    ([rows]) => ({ rows }),
    (error: { errno?: number; message: string }) => ({ errno: error.errno, message: error.message }),
  );
const ruleOf = (result: Outcome) =>
  "message" in result
    ? (/"(sluice:[a-z-]+)"/.exec(result.message)?.[1] ??
      /review rule "([^"]+)"/.exec(result.message)?.[1] ??
      /guardrail "([^"]+)"/.exec(result.message)?.[1] ??
      result.message)
    : null;

async function staged(policy: Parameters<typeof startMySqlHarness>[0]) {
  const harness = await startMySqlHarness(policy);
  await harness.asAdmin(SCHEMA_SQL);
  return { harness, agent: await harness.connectAgent(), direct: await harness.connectDirect() };
}
type Stage = Awaited<ReturnType<typeof staged>>;
const stop = async (stage: Stage | undefined) => {
  await stage?.agent.end();
  await stage?.direct.end();
  await stage?.harness.stop();
};

let strict: Stage;
let reviewed: Stage;
let guarded: Stage;

beforeAll(async () => {
  strict = await staged({ isStrictMasking: true, masking: [mask("*.employees.ssn")] });
  reviewed = await staged({
    reviews: [
      { name: "salary-reads", match: { columns: ["employees.salary"] }, reviewerGroups: ["finance"] },
    ],
  });
  guarded = await staged({
    guardrails: [
      { name: "no-salary", kind: "COLUMN", effect: "DENY", match: { columns: ["employees.salary"] } },
    ],
  });
});
afterAll(async () => {
  await stop(strict);
  await stop(reviewed);
  await stop(guarded);
});

const directRows = async (direct: Connection, sql: string) => (await direct.query(sql))[0];

describe("the server computes what it is given (the oracle)", () => {
  it("ssn4 and ssn4_rev are the SSN's digits, salary_x2 twice the salary", async () => {
    expect(
      await directRows(strict.direct, "SELECT ssn4, ssn4_rev, salary_x2 FROM employees ORDER BY id"),
    ).toEqual([
      { ssn4: "6789", ssn4_rev: "6789x", salary_x2: 200 },
      { ssn4: "4321", ssn4_rev: "4321x", salary_x2: 400 },
    ]);
    expect(await directRows(strict.direct, "SELECT id FROM employees WHERE ssn4 = '6789'")).toEqual([
      { id: 1 },
    ]);
  });
});

describe("strict mode counts a generated column over a masked one as masked", () => {
  for (const sql of [
    "SELECT id FROM employees WHERE ssn4 = '6789'",
    "SELECT id FROM employees WHERE ssn4_rev LIKE '6%'",
    "SELECT id FROM employees ORDER BY ssn4 LIMIT 1",
    "SELECT MAX(ssn4) AS top FROM employees",
    "SELECT COUNT(*) FROM employees GROUP BY ssn4_rev",
  ]) {
    it(`refuses ${sql}`, async () => {
      expect(ruleOf(await outcome(strict.agent.query(sql)))).toBe("sluice:strict-masking");
    });
  }

  it("still filters on a generated column over clear columns, and reads ssn4 masked", async () => {
    expect(await outcome(strict.agent.query("SELECT id FROM employees WHERE name_up = 'ADA'"))).toEqual({
      rows: [{ id: 1 }],
    });
    const read = await outcome(strict.agent.query("SELECT ssn4, ssn4_rev FROM employees WHERE id = 1"));
    expect(JSON.stringify(read)).not.toMatch(/6789|4321/);
  });
});

describe("the masked-copy guard refuses copying a generated column over a masked one", () => {
  it("refuses INSERT … SELECT and UPDATE … SELECT, and nothing is copied", async () => {
    for (const sql of [
      "INSERT INTO notes SELECT id, ssn4 FROM employees",
      "INSERT INTO notes SELECT id, ssn4_rev FROM employees",
      "UPDATE notes SET body = (SELECT ssn4 FROM employees WHERE id = 1)",
    ]) {
      expect(ruleOf(await outcome(strict.agent.query(sql))), sql).toBe("sluice:unmaskable-channel");
    }
    expect(await directRows(strict.direct, "SELECT COUNT(*) AS n FROM notes")).toEqual([{ n: 0 }]);
  });
});

/** Reads and writes that reach employees.salary through salary_x2. */
const REACHING_SALARY = [
  "SELECT salary FROM employees",
  "SELECT salary_x2 FROM employees",
  "SELECT e.salary_x2 FROM employees e WHERE id = 1",
  "SELECT id FROM employees WHERE salary_x2 > 300",
  "SELECT * FROM employees",
  "SELECT (SELECT MAX(salary_x2) FROM employees) AS top",
  "INSERT INTO notes SELECT id, salary_x2 FROM employees",
  "UPDATE notes SET body = (SELECT salary_x2 FROM employees WHERE id = 1)",
  "UPDATE employees SET name = salary_x2 WHERE id = 2",
  "DELETE FROM notes WHERE body IN (SELECT salary_x2 FROM employees)",
];

describe("review rules and COLUMN guardrails follow a column into generated columns", () => {
  for (const sql of REACHING_SALARY) {
    it(`a review rule on salary holds ${sql}`, async () => {
      expect(ruleOf(await outcome(reviewed.agent.query(sql)))).toBe("salary-reads");
    });
    it(`a COLUMN guardrail on salary refuses ${sql}`, async () => {
      expect(ruleOf(await outcome(guarded.agent.query(sql)))).toBe("no-salary");
    });
  }

  it("neither touches columns computed from other columns, and nothing refused ran", async () => {
    for (const stage of [reviewed, guarded]) {
      expect(await outcome(stage.agent.query("SELECT id, name_up FROM employees WHERE id = 1"))).toEqual({
        rows: [{ id: 1, name_up: "ADA" }],
      });
      expect(
        await directRows(
          stage.direct,
          "SELECT (SELECT COUNT(*) FROM notes) AS n, name FROM employees WHERE id = 2",
        ),
      ).toEqual([{ n: 0, name: "Grace" }]);
    }
  });

  it("a generated column added after the session began is followed at once", async () => {
    await reviewed.direct.query("ALTER TABLE employees ADD COLUMN salary_k INT AS (salary DIV 1000) VIRTUAL");
    expect(ruleOf(await outcome(reviewed.agent.query("SELECT salary_k FROM employees")))).toBe(
      "salary-reads",
    );
  });
});
