import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MySqlHarness, startMySqlHarness } from "../support/mysql-harness";

/**
 * Strict masking on a MySQL connection, through the real gateway: a masked column used as an
 * oracle (filtered, sorted, grouped, joined or aggregated on) is refused before it reaches MariaDB,
 * by the text protocol and by prepared statements alike, while reading the column itself (masked)
 * and filtering on other columns still run. Each oracle is first shown to answer directly.
 */
const SSN_OF_ADA = "123-45-6789";

let harness: MySqlHarness;
let agent: Connection;
let direct: Connection;

beforeAll(async () => {
  harness = await startMySqlHarness({
    isStrictMasking: true,
    masking: [
      {
        name: "mask-ssn",
        selector: "*.employees.ssn",
        detector: null,
        strategy: "REDACT",
        keepLast: null,
        exemptGroups: [],
      },
    ],
  });
  agent = await harness.connectAgent();
  direct = await harness.connectDirect();
});
afterAll(async () => {
  await agent?.end();
  await direct?.end();
  await harness?.stop();
});

type Outcome = { rows: unknown } | { errno: number | undefined; message: string };
const outcome = (promise: Promise<[unknown, unknown]>): Promise<Outcome> =>
  promise.then(
    ([rows]) => ({ rows }),
    (error: { errno?: number; message: string }) => ({ errno: error.errno, message: error.message }),
  );

const ORACLES = [
  `SELECT id FROM employees WHERE ssn = '${SSN_OF_ADA}'`,
  "SELECT id FROM employees WHERE ssn LIKE '123%'",
  "SELECT id FROM employees ORDER BY ssn LIMIT 1",
  "SELECT COUNT(*) FROM employees GROUP BY ssn",
  "SELECT a.id FROM employees a JOIN employees b ON a.ssn = b.ssn",
  // Aggregates and window calls answer questions about every row's value, as on Postgres.
  "SELECT MAX(ssn) AS top FROM employees",
  "SELECT MIN(e.ssn) AS low FROM employees e",
  "SELECT GROUP_CONCAT(name ORDER BY ssn) AS names FROM employees",
  "SELECT GROUP_CONCAT(ssn SEPARATOR ',') AS all_ssns FROM employees",
  "SELECT JSON_ARRAYAGG(ssn) AS all_ssns FROM employees",
  `SELECT SUM(ssn = '${SSN_OF_ADA}') AS hits FROM employees`,
  "SELECT COUNT(DISTINCT LEFT(ssn, 1)) AS firsts FROM employees",
  "SELECT name, ROW_NUMBER() OVER (ORDER BY ssn) AS rank_by_ssn FROM employees",
  "SELECT MAX(s) AS top FROM (SELECT ssn AS s FROM employees) AS t",
];

describe("strict masking on MySQL", () => {
  for (const sql of ORACLES) {
    it(`refuses a masked column as an oracle: ${sql}`, async () => {
      const answered = await outcome(direct.query(sql));
      expect(answered).toHaveProperty("rows");
      const before = harness.verdicts.length;
      const refused = await outcome(agent.query(sql));
      expect(refused).toMatchObject({
        errno: 1227,
        message: expect.stringContaining('"sluice:strict-masking"'),
      });
      expect(harness.verdicts.slice(before).map((entry) => entry.verdict.kind)).toEqual(["deny"]);
    });
  }

  it("refuses the oracle as a prepared statement, its value bound as a parameter", async () => {
    const [rows] = await direct.execute("SELECT id FROM employees WHERE ssn = ?", [SSN_OF_ADA]);
    expect(rows).toEqual([{ id: 1 }]);
    const refused = await outcome(agent.execute("SELECT id FROM employees WHERE ssn = ?", [SSN_OF_ADA]));
    expect(refused).toMatchObject({
      errno: 1227,
      message: expect.stringContaining('"sluice:strict-masking"'),
    });
    // The session goes on after the refusal.
    const [after] = await agent.query("SELECT name FROM employees WHERE id = 1");
    expect(after).toEqual([{ name: "Ada" }]);
  });

  it("still reads the masked column itself (masked) and filters on other columns", async () => {
    const [rows] = await agent.query("SELECT id, ssn FROM employees WHERE name = 'Grace' ORDER BY id");
    expect(rows).toEqual([{ id: 2, ssn: "[REDACTED]" }]);
    const [prepared] = await agent.execute("SELECT ssn FROM employees WHERE id = ?", [1]);
    expect(prepared).toEqual([{ ssn: "[REDACTED]" }]);
  });

  it("refuses an oracle whose operator it cannot read (<=>), and an aggregate as a prepared statement", async () => {
    const nullSafe = `SELECT id FROM employees WHERE ssn <=> '${SSN_OF_ADA}'`;
    expect(await outcome(direct.query(nullSafe))).toEqual({ rows: [{ id: 1 }] });
    expect(await outcome(agent.query(nullSafe))).toMatchObject({
      message: expect.stringContaining("MySQL syntax Sluice cannot read"),
    });
    const top = "SELECT MAX(ssn) AS top FROM employees WHERE id > ?";
    expect(await outcome(direct.execute(top, [0]))).toEqual({ rows: [{ top: "987-65-4321" }] });
    expect(await outcome(agent.execute(top, [0]))).toMatchObject({
      errno: 1227,
      message: expect.stringContaining("is masked, and using it in an aggregate"),
    });
  });

  it("still counts rows and aggregates other columns", async () => {
    const [rows] = await agent.query(
      "SELECT COUNT(*) AS n, MAX(salary) AS top, COUNT(id) AS ids FROM employees",
    );
    expect(rows).toEqual([{ n: 2, top: 200, ids: 2 }]);
  });

  it("without strict mode the same oracle runs: the refusal is strict mode's doing", async () => {
    harness.current.policy = { ...harness.current.policy, isStrictMasking: false };
    try {
      expect(await outcome(agent.query(ORACLES[0] as string))).toEqual({ rows: [{ id: 1 }] });
    } finally {
      harness.current.policy = { ...harness.current.policy, isStrictMasking: true };
    }
  });
});
