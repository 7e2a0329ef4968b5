import { describe, expect, it } from "vitest";
import { readMaskingShape } from "../src/masking-shape";
import { redactLiterals } from "../src/server-lexing";

describe("readMaskingShape", () => {
  it("names derived tables and CTEs, which a column may report as its origin table", () => {
    const shape = readMaskingShape(
      "WITH Departments AS (SELECT 1 AS a) SELECT * FROM (SELECT a FROM Departments) AS t",
    );
    expect([...(shape?.derivedNames ?? [])].sort()).toEqual(["departments", "t"]);
  });

  it.each([
    ["SELECT email INTO @v FROM employees", true],
    ["SELECT @v := email FROM employees", true],
    ["SET @v = 1", true],
    ["SET autocommit = 0", true],
    ["SELECT email FROM employees WHERE id = 1", false],
    ["UPDATE departments SET name = 'x' WHERE id = 1", false],
  ])("%s stores values: %s", (sql, expected) => {
    expect(readMaskingShape(sql)?.storesValues).toBe(expected);
  });

  it.each([
    ["SHOW PROCESSLIST", true],
    ["show processlist", true],
    ["SHOW BINLOG EVENTS", true],
    ["SELECT 1; SHOW PROCESSLIST", true],
    ["SHOW TABLES", false],
    ["SHOW STATUS", false],
    ["SHOW CREATE TABLE employees", false],
    ["SELECT 'processlist' AS x", false],
  ])("%s reads statement text the server holds: %s", (sql, expected) => {
    expect(readMaskingShape(sql)?.readsStatementText).toBe(expected);
  });

  it("reads SHOW WARNINGS and its kin as a SHOW, nothing riding along", () => {
    expect(readMaskingShape("SHOW WARNINGS LIMIT 5")?.statements.map((facts) => facts.kind)).toEqual([
      "SHOW",
    ]);
    expect(readMaskingShape("SHOW COUNT(*) ERRORS")?.statements.map((facts) => facts.kind)).toEqual(["SHOW"]);
    expect(readMaskingShape("SHOW WARNINGS; SELECT email FROM employees")).toBeNull();
  });
});

describe("redactLiterals", () => {
  it("bounds literals as MariaDB does", () => {
    expect(redactLiterals(`SELECT 'it\\'s', "dq", \`id\` # 'comment'\nFROM t`, "X")).toBe(
      "SELECT 'X', 'X', `id` # 'comment'\nFROM t",
    );
    expect(redactLiterals("SELECT /* ' */ 'a''b'", "X")).toBe("SELECT /* ' */ 'X'");
    expect(redactLiterals("SELECT 'never closed", "X")).toBe("SELECT 'X");
  });
});
