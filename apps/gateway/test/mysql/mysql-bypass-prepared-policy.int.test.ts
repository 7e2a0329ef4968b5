import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MASK_EMPLOYEE_SSN, type MySqlHarness, startMySqlHarness } from "../support/mysql-harness";

/**
 * Bypass corpus, MySQL (per-statement state): a statement prepared under one policy, executed under
 * another. mysql2's `execute()` prepares a text once per connection and executes that same
 * statement id for as long as the connection lives, so a verdict kept from PREPARE let an agent go
 * on reading what a rule added since denies, holds for review or masks by a COLUMN rule. Every
 * execution whose policy (or name resolution) changed since its PREPARE is judged again, as a Bind
 * is on the Postgres path; the server still holds the statement, so only Sluice can refuse it.
 */
let harness: MySqlHarness;
let agent: Connection;
const base = () => ({ connectionName: "shop", isReadOnly: false, guardrails: [], reviews: [] });

beforeAll(async () => {
  harness = await startMySqlHarness();
});
afterAll(async () => {
  await harness?.stop();
});

const executed = (sql: string, values: Array<number | string>) =>
  agent.execute(sql, values).then(
    ([rows]) => ({ rows }),
    (error: { errno?: number; message: string }) => ({ errno: error.errno, message: error.message }),
  );

describe("a statement prepared before a rule that refuses it", () => {
  beforeAll(async () => {
    agent = await harness.connectAgent();
  });
  afterAll(async () => {
    harness.current.policy = base();
    await agent?.end();
  });

  it.each([
    [
      "a DENY TABLE guardrail",
      {
        guardrails: [
          {
            name: "no employees",
            kind: "TABLE" as const,
            effect: "DENY" as const,
            match: { tables: ["employees"], access: "any" as const },
          },
        ],
      },
      "SELECT name, salary FROM employees WHERE id = ?",
      /guardrail "no employees"/,
    ],
    [
      "a DENY COLUMN guardrail",
      {
        guardrails: [
          {
            name: "no salary",
            kind: "COLUMN" as const,
            effect: "DENY" as const,
            match: { columns: ["employees.salary"] },
          },
        ],
      },
      "SELECT salary FROM employees WHERE id >= ?",
      /guardrail "no salary"/,
    ],
    [
      // The harness has no review broker: a hold is refused, as without one in production.
      "a review rule on the column",
      {
        reviews: [
          { name: "salaries", match: { columns: ["employees.salary"] }, reviewerGroups: ["finance"] },
        ],
      },
      "SELECT id, salary FROM employees WHERE id <> ?",
      /review rule "salaries"/,
    ],
    [
      "a read-only connection",
      { isReadOnly: true },
      "UPDATE employees SET salary = salary + ? WHERE id = 1",
      /Sluice/,
    ],
  ])("%s added after PREPARE refuses the next EXECUTE", async (_what, rules, sql, why) => {
    harness.current.policy = base();
    const before = await executed(sql, [1]);
    expect(before).toHaveProperty("rows");
    harness.current.policy = { ...base(), ...rules };
    const after = await executed(sql, [1]);
    expect(after).toMatchObject({ errno: 1227, message: expect.stringMatching(why) });
    // The same statement id again, under the first policy: it runs.
    harness.current.policy = base();
    expect(await executed(sql, [1])).toHaveProperty("rows");
  });

  it("a masking rule added after PREPARE masks the next execution", async () => {
    harness.current.policy = base();
    const sql = "SELECT ssn FROM employees WHERE id = ?";
    expect(await executed(sql, [1])).toEqual({ rows: [{ ssn: "123-45-6789" }] });
    harness.current.policy = { ...base(), masking: [MASK_EMPLOYEE_SSN] };
    expect(await executed(sql, [1])).toEqual({ rows: [{ ssn: "*******6789" }] });
  });

  it("an unchanged policy runs the prepared statement on, judged once", async () => {
    harness.current.policy = base();
    const sql = "SELECT name FROM employees WHERE id = ? + 0";
    for (let round = 0; round < 3; round += 1)
      expect(await executed(sql, [2])).toEqual({ rows: [{ name: "Grace" }] });
    expect(harness.verdicts.filter((entry) => entry.sql === sql)).toHaveLength(1);
  });
});
