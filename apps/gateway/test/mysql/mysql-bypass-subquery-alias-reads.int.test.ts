import { afterAll, beforeAll, expect, it } from "vitest";
import { type MySqlHarness, startMySqlHarness } from "../support/mysql-harness";

/**
 * A subquery's alias named like a table the statement reads: MySQL's alias hides the name only in
 * its own query block, so `SELECT * FROM secret WHERE 1 IN (SELECT 1 FROM departments secret)`
 * reads secret. The MySQL facts dropped every bare name that was an alias anywhere, and a TABLE
 * rule on reads of secret did not see the read (the read-side twin of review9's dfabb0b).
 */
let harness: MySqlHarness;

beforeAll(async () => {
  harness = await startMySqlHarness({
    guardrails: [
      {
        name: "secret is hidden",
        kind: "TABLE",
        effect: "DENY",
        match: { tables: ["secret"], access: "read" },
      },
    ],
  });
  await harness.asAdmin(
    "CREATE TABLE secret (id INT PRIMARY KEY, note VARCHAR(20)); INSERT INTO secret VALUES (1, 'hush')",
  );
});
afterAll(() => harness?.stop());

it.each([
  "SELECT note FROM secret WHERE 1 IN (SELECT 1 FROM departments secret)",
  "SELECT note FROM secret WHERE EXISTS (SELECT secret.id FROM departments AS secret)",
])("%s", async (sql) => {
  const direct = await harness.connectDirect();
  try {
    const [rows] = await direct.query(sql);
    expect(rows, "it reads secret directly").toEqual([{ note: "hush" }]);
  } finally {
    await direct.end();
  }
  const agent = await harness.connectAgent();
  try {
    await expect(agent.query(sql)).rejects.toMatchObject({
      errno: 1227,
      message: expect.stringMatching(/"secret is hidden"/),
    });
  } finally {
    await agent.end();
  }
});
