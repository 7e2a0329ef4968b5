import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type MySqlHarness, startMySqlHarness } from "../support/mysql-harness";

/**
 * review9: a table's name used as another table's alias. MySQL resolves `x.col` to the alias `x`
 * once a table is aliased, never to the table named x; the gateway's MySQL facts take the name.
 *
 * - TABLE rules on writes (pre-existing, on main too): `DELETE FROM locked WHERE … IN (SELECT 1 FROM
 *   departments locked)` is read as writing departments, not locked, so a DENY write on locked
 *   does not see it.
 * - MISSING_WHERE (redteam4's f78659b): `DELETE e FROM employees e, departments employees WHERE
 *   employees.id = 1` counts `employees.id` as a column of the target; the server reads the
 *   departments alias and deletes every employee.
 *
 * Each case runs directly first (the oracle: the rows really change), then through Sluice.
 */
let harness: MySqlHarness;

beforeAll(async () => {
  harness = await startMySqlHarness({
    guardrails: [
      { name: "no-unscoped", kind: "MISSING_WHERE", effect: "DENY", match: { kinds: ["UPDATE", "DELETE"] } },
      {
        name: "locked is read-only",
        kind: "TABLE",
        effect: "DENY",
        match: { tables: ["locked"], access: "write" },
      },
    ],
  });
  await harness.asAdmin("CREATE TABLE locked (id INT PRIMARY KEY, note VARCHAR(20))");
});
afterAll(() => harness?.stop());

type Outcome = { rows: unknown } | { errno: number | undefined; message: string };

async function runOne(who: "direct" | "agent", sql: string): Promise<Outcome> {
  const connection = who === "direct" ? await harness.connectDirect() : await harness.connectAgent();
  try {
    return await connection.query(sql).then(
      ([rows]) => ({ rows }),
      (error: { errno?: number; message: string }) => ({ errno: error.errno, message: error.message }),
    );
  } finally {
    await connection.end();
  }
}

const contents = async (table: string) => {
  const [rows] = await harness.asAdmin(`SELECT group_concat(id, ':', name ORDER BY id) AS x FROM ${table}`);
  return (rows as { x: string | null }[])[0]?.x ?? null;
};
const reset = () =>
  harness.asAdmin(`DELETE FROM departments; INSERT INTO departments VALUES (1, 'eng'), (2, 'ops');
    DELETE FROM employees; INSERT INTO employees VALUES
      (1, 'Ada', 'ada@example.com', '123-45-6789', 100), (2, 'Grace', 'grace@example.com', '987-65-4321', 200);
    DELETE FROM locked; INSERT INTO locked VALUES (1, 'a'), (2, 'b')`);
const lockedNotes = async () => {
  const [rows] = await harness.asAdmin("SELECT group_concat(id, ':', note ORDER BY id) AS x FROM locked");
  return (rows as { x: string | null }[])[0]?.x ?? null;
};

describe("a TABLE rule on writes, the written table's name aliasing another in a subquery", () => {
  beforeEach(reset);

  it.each([
    "DELETE FROM locked WHERE id = 1 AND id IN (SELECT 1 FROM departments locked)",
    "UPDATE locked SET note = 'x' WHERE id = 1 AND id IN (SELECT locked.id FROM departments AS locked)",
  ])("%s", async (sql) => {
    expect(await runOne("direct", sql), "it runs directly").toHaveProperty("rows");
    expect(await lockedNotes(), "and changes locked").not.toBe("1:a,2:b");
    await reset();
    expect(await runOne("agent", sql)).toMatchObject({
      errno: 1227,
      message: expect.stringMatching(/"locked is read-only"/),
    });
    expect(await lockedNotes()).toBe("1:a,2:b");
  });
});

describe("MISSING_WHERE, the target's name aliasing another table of the write", () => {
  beforeEach(reset);

  it.each([
    "DELETE e FROM employees e, departments employees WHERE employees.id = 1",
    "UPDATE employees e, departments employees SET e.name = 'x' WHERE employees.id = 1",
  ])("%s", async (sql) => {
    expect(await runOne("direct", sql), "it runs directly").toHaveProperty("rows");
    const after = await contents("employees");
    expect(after === null || after === "1:x,2:x", "and reaches every employee").toBe(true);
    await reset();
    expect(await runOne("agent", sql)).toMatchObject({
      errno: 1227,
      message: expect.stringMatching(/"no-unscoped"/),
    });
    expect(await contents("employees")).toBe("1:Ada,2:Grace");
  });
});
