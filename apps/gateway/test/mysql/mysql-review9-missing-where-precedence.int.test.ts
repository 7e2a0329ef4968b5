import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type MySqlHarness, startMySqlHarness } from "../support/mysql-harness";

/**
 * review9, on redteam4's MISSING_WHERE (f78659b): the grammar binds `||` and XOR tighter than
 * AND/`&&`, the server looser (AND > XOR > OR). `id = 1 && 0 || 1` is `(id = 1) && (0 || 1)` to
 * the gateway, scoped by `id = 1`; the server runs `(id = 1 AND 0) OR 1` and reaches every row.
 * Each case runs on the server first (the oracle: every row really goes), then through Sluice,
 * which must refuse it.
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
const run = (connection: Connection, sql: string): Promise<Outcome> =>
  connection.query(sql).then(
    ([rows]) => ({ rows }),
    (error: { errno?: number; message: string }) => ({ errno: error.errno, message: error.message }),
  );

async function runOne(who: "direct" | "agent", sql: string): Promise<Outcome> {
  const connection = who === "direct" ? await harness.connectDirect() : await harness.connectAgent();
  try {
    return await run(connection, sql);
  } finally {
    await connection.end();
  }
}

const names = async () => {
  const [rows] = await harness.asAdmin("SELECT group_concat(name ORDER BY id) AS x FROM departments");
  return (rows as { x: string | null }[])[0]?.x ?? null;
};
const resetDepartments = () =>
  harness.asAdmin("DELETE FROM departments; INSERT INTO departments VALUES (1, 'eng'), (2, 'ops')");

describe("MISSING_WHERE: AND binds tighter than || and XOR on the server", () => {
  beforeEach(resetDepartments);

  it.each([
    "DELETE FROM departments WHERE id = 1 && 0 || 1",
    "DELETE FROM departments WHERE id = 1 AND 0 || 1",
    "DELETE FROM departments WHERE id = 1 AND 0 XOR 1",
    "DELETE FROM departments WHERE id = 1 AND id = 2 || id <> 0",
    "UPDATE departments SET name = 'x' WHERE id = 1 && 0 || 1",
  ])("%s", async (sql) => {
    expect(await runOne("direct", sql), "it runs directly").toHaveProperty("rows");
    const after = await names();
    // Deleted, or renamed, every row.
    expect(after === null || after === "x,x", "and reaches every row").toBe(true);
    await resetDepartments();
    expect(await runOne("agent", sql)).toMatchObject({
      errno: 1227,
      message: expect.stringMatching(/"no-unscoped"/),
    });
    expect(await names()).toBe("eng,ops");
  });

  it("still allows the parenthesized form, which the server scopes", async () => {
    const sql = "DELETE FROM departments WHERE id = 1 AND (0 || 1)";
    expect(await runOne("agent", sql)).toHaveProperty("rows");
    expect(await names()).toBe("ops");
  });
});
