import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type MySqlHarness, startMySqlHarness } from "../support/mysql-harness";

/**
 * MISSING_WHERE with NOT and `!`, against MariaDB as the oracle. The grammar reads `NOT (…)` as a
 * call of a function named NOT, so `DELETE … WHERE NOT (id <> 1)` was refused though it deletes one
 * row; it is now judged as the negation it is, where it stands as a condition of its own. Where
 * the grammar and the server group NOT or `!` differently it stays refused: `!` binds tighter than
 * `=` (`! id = 0` is `(!id) = 0`: every non-zero id), and `NOT (id) = 5` is the server's
 * `NOT ((id) = 5)` but the grammar's `NOT(id) = 5`. Each statement runs on the server first; what
 * Sluice lets through must leave what the server left, and what it refuses leaves every row.
 */
let harness: MySqlHarness;

beforeAll(async () => {
  harness = await startMySqlHarness({
    guardrails: [
      { name: "no-unscoped", kind: "MISSING_WHERE", effect: "DENY", match: { kinds: ["UPDATE", "DELETE"] } },
    ],
  });
});
afterAll(() => harness?.stop());

type Outcome = { rows: unknown } | { errno: number | undefined; message: string };

async function runOne(who: "direct" | "agent", sql: string): Promise<Outcome> {
  const connection: Connection =
    who === "direct" ? await harness.connectDirect() : await harness.connectAgent();
  try {
    return await connection.query(sql).then(
      ([rows]) => ({ rows }),
      (error: { errno?: number; message: string }) => ({ errno: error.errno, message: error.message }),
    );
  } finally {
    await connection.end();
  }
}

const ALL = "eng,ops,qa";
const names = async () => {
  const [rows] = await harness.asAdmin("SELECT group_concat(name ORDER BY id) AS x FROM departments");
  return (rows as { x: string | null }[])[0]?.x ?? null;
};
const reset = () =>
  harness.asAdmin(
    "DELETE FROM departments; INSERT INTO departments VALUES (1, 'eng'), (2, 'ops'), (3, 'qa')",
  );

/** What the statement leaves of departments when run straight on the server. */
async function leftDirectly(sql: string): Promise<string | null> {
  await reset();
  expect(await runOne("direct", sql), "it runs directly").toHaveProperty("rows");
  const left = await names();
  await reset();
  return left;
}

describe("MISSING_WHERE: NOT (…) scopes as the negation it is", () => {
  beforeEach(reset);

  it.each([
    ["DELETE FROM departments WHERE NOT (id <> 1)", "ops,qa"],
    ["DELETE FROM departments WHERE not(id <> 1)", "ops,qa"],
    ["DELETE FROM departments WHERE NOT NOT (id = 2)", "eng,qa"],
    ["DELETE FROM departments WHERE NOT (id <> 1 AND id <> 2)", "qa"],
    ["DELETE FROM departments WHERE NOT (id NOT IN (1, 3))", "ops"],
    ["DELETE FROM departments WHERE !(id <> 3)", "eng,ops"],
    ["UPDATE departments SET name = 'x' WHERE NOT (id <> 2)", "eng,x,qa"],
  ])("%s runs, leaving what the server leaves", async (sql, left) => {
    expect(await leftDirectly(sql)).toBe(left);
    expect(await runOne("agent", sql)).toHaveProperty("rows");
    expect(await names()).toBe(left);
  });
});

describe("MISSING_WHERE: NOT and ! where the grammar and the server may disagree stay refused", () => {
  beforeEach(reset);

  it.each([
    // Every row upstream: `!` binds tighter than the comparison.
    ["DELETE FROM departments WHERE ! id = 0", null],
    ["DELETE FROM departments WHERE ! id <> 1", null],
    ["UPDATE departments SET name = 'x' WHERE ! id = 0", "x,x,x"],
    // Every row upstream: NOT ((id) = 5); the grammar's NOT(id) = 5 is not judged as a NOT.
    ["DELETE FROM departments WHERE NOT (id) = 5", null],
    ["DELETE FROM departments WHERE NOT (id <> 1) OR 1", null],
    // Scoped upstream (NOT ((id) IN (1, 2)) leaves eng and ops), but grouped otherwise by the grammar.
    ["DELETE FROM departments WHERE NOT (id) IN (1, 2)", "eng,ops"],
  ])("%s", async (sql, left) => {
    expect(await leftDirectly(sql)).toBe(left);
    expect(await runOne("agent", sql)).toMatchObject({
      errno: 1227,
      message: expect.stringMatching(/"no-unscoped"/),
    });
    expect(await names()).toBe(ALL);
  });
});
