import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MySqlHarness, startMySqlHarness } from "../support/mysql-harness";

/**
 * Writes on a table with masking rules: the masked-copy guard is the Postgres path's
 * (packages/policy masking-scope.ts), fed by the MySQL lineage. A write that copies no masked value
 * runs; one that would copy a masked value somewhere it can be read back in clear is refused and
 * changes nothing (checked directly against MariaDB).
 */
let harness: MySqlHarness;
let agent: Connection;
let direct: Connection;

beforeAll(async () => {
  harness = await startMySqlHarness({
    masking: ["email", "ssn"].map((column) => ({
      name: `mask-${column}`,
      selector: `*.employees.${column}`,
      detector: null,
      strategy: "REDACT" as const,
      keepLast: null,
      exemptGroups: [],
    })),
  });
  await harness.asAdmin("CREATE TABLE notes (id INT PRIMARY KEY, body VARCHAR(200))");
  agent = await harness.connectAgent();
  direct = await harness.connectDirect();
});
afterAll(async () => {
  await agent?.end();
  await direct?.end();
  await harness?.stop();
});

const directRows = async (sql: string) => (await direct.query(sql))[0];

describe("writes that copy no masked value run", () => {
  it("UPDATE of a clean column by a literal, on the masked table", async () => {
    const [result] = await agent.query("UPDATE employees SET name = 'Ada L.' WHERE id = 1");
    expect(result).toMatchObject({ affectedRows: 1 });
    expect(await directRows("SELECT name FROM employees WHERE id = 1")).toEqual([{ name: "Ada L." }]);
  });

  it("UPDATE computed from clean columns, and a masked column set to a literal", async () => {
    await agent.query("UPDATE employees SET salary = salary + 1, email = 'new@example.com' WHERE id = 1");
    expect(await directRows("SELECT salary, email FROM employees WHERE id = 1")).toEqual([
      { salary: 101, email: "new@example.com" },
    ]);
  });

  it("INSERT of literals and DELETE by key", async () => {
    await agent.query("INSERT INTO employees (id, name, ssn) VALUES (3, 'Lin', '555-55-5555')");
    expect(await directRows("SELECT name FROM employees WHERE id = 3")).toEqual([{ name: "Lin" }]);
    const [deleted] = await agent.query("DELETE FROM employees WHERE id = 3");
    expect(deleted).toMatchObject({ affectedRows: 1 });
    expect(await directRows("SELECT id FROM employees WHERE id = 3")).toEqual([]);
  });

  it("a prepared UPDATE with parameters", async () => {
    const [result] = await agent.execute("UPDATE employees SET name = ? WHERE id = ?", ["Grace H.", 2]);
    expect(result).toMatchObject({ affectedRows: 1 });
    expect(await directRows("SELECT name FROM employees WHERE id = 2")).toEqual([{ name: "Grace H." }]);
  });
});

describe("writes that would copy a masked value are refused and change nothing", () => {
  it.each([
    ["UPDATE … SET name = ssn", "UPDATE employees SET name = ssn WHERE id = 1"],
    ["a masked column under another case", "UPDATE employees SET name = SSN WHERE id = 1"],
    ["a masked value inside an expression", "UPDATE employees SET name = CONCAT('x', email) WHERE id = 1"],
    ["INSERT … SELECT a masked column", "INSERT INTO notes SELECT id, ssn FROM employees"],
    [
      "INSERT … SELECT through a derived table",
      "INSERT INTO notes SELECT i, s FROM (SELECT id AS i, email AS s FROM employees) AS d",
    ],
    [
      "UPDATE … JOIN copying a masked column",
      "UPDATE notes n JOIN employees e ON e.id = n.id SET n.body = e.email",
    ],
    [
      "a masked value from a subquery",
      "UPDATE notes SET body = (SELECT ssn FROM employees WHERE id = 1) WHERE id = 1",
    ],
    [
      "ON DUPLICATE KEY UPDATE reading the masked row",
      "INSERT INTO employees (id, name) VALUES (1, 'x') ON DUPLICATE KEY UPDATE name = ssn",
    ],
  ])("%s", async (_name, sql) => {
    await direct.query("DELETE FROM notes");
    await direct.query("INSERT INTO notes VALUES (1, 'before')");
    const before = await directRows("SELECT id, name, email, ssn FROM employees ORDER BY id");
    const refused = await agent.query(sql).then(
      () => null,
      (error: { errno?: number; message: string }) => error,
    );
    expect(refused?.errno, sql).toBe(1227);
    expect(refused?.message).toMatch(/unmaskable-channel/);
    expect(await directRows("SELECT id, body FROM notes")).toEqual([{ id: 1, body: "before" }]);
    expect(await directRows("SELECT id, name, email, ssn FROM employees ORDER BY id")).toEqual(before);
  });

  it("SET @v = (SELECT ssn …) keeps no masked value in the session", async () => {
    const refused = await agent.query("SET @v = (SELECT ssn FROM employees WHERE id = 1)").catch((e) => e);
    expect(refused).toMatchObject({ errno: 1227 });
    const [rows] = await agent.query("SELECT @v AS v");
    expect(rows).toEqual([{ v: null }]);
  });

  it("a WHERE on a masked column, whose effect could reveal it, is refused as on Postgres", async () => {
    const refused = await agent
      .query("UPDATE employees SET name = 'hit' WHERE ssn LIKE '1%'")
      .catch((error: { errno?: number }) => error);
    expect(refused).toMatchObject({ errno: 1227 });
    expect(await directRows("SELECT name FROM employees WHERE name = 'hit'")).toEqual([]);
  });
});
