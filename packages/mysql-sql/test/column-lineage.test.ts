import { type RelationCatalog, resolveLineage, type Sources } from "@sluice/sql/column-lineage";
import { describe, expect, it } from "vitest";
import { parseMySql } from "../src/parse";

/** Every name is a table of database `shop` whose columns are not listed (the policy's names-only reading). */
const NAMES_ONLY: RelationCatalog = {
  relationsNamed: (schema, name) => [{ schema: schema ?? "shop", table: name, columns: null }],
};

const text = (sources: Sources): string =>
  sources.isUnknown ? "?" : sources.columns.map((source) => `${source.table}.${source.column}`).join("|");

function lineageOf(sql: string) {
  const parsed = parseMySql(sql);
  if (!parsed.ok || parsed.statements.length !== 1) throw new Error(`not one statement: ${sql}`);
  return resolveLineage(parsed.statements[0] as never, NAMES_ONLY);
}

describe("MySQL column lineage", () => {
  it.each([
    ["SELECT UPPER(name), email AS e FROM employees", ["employees.name", "employees.email"]],
    ["SELECT e FROM (SELECT email AS e FROM employees) AS d", ["employees.email"]],
    ["WITH c AS (SELECT email AS x FROM employees) SELECT c.x FROM c", ["employees.email"]],
    ["WITH c (y) AS (SELECT email FROM employees) SELECT y FROM c", ["employees.email"]],
    ["SELECT name FROM departments UNION SELECT email FROM employees", ["departments.name|employees.email"]],
    ["SELECT (SELECT ssn FROM employees LIMIT 1) AS s", ["employees.ssn"]],
    ["SELECT EMAIL FROM employees", ["employees.email"]],
    ["SELECT @v AS v", ["?"]],
    ["WITH RECURSIVE r AS (SELECT 1 AS n UNION SELECT n + 1 FROM r) SELECT n FROM r", ["?"]],
  ])("%s → %j", (sql, expected) => {
    expect(lineageOf(sql).outputs?.map(text)).toEqual(expected);
  });

  it.each([
    ["SELECT MAX(ssn) FROM employees", "aggregate"],
    ["SELECT GROUP_CONCAT(name ORDER BY ssn) FROM employees", "aggregate"],
    ["SELECT JSON_ARRAYAGG(ssn) FROM employees", "aggregate"],
    ["SELECT SUM(ssn = 'x') FROM employees", "aggregate"],
    ["SELECT ROW_NUMBER() OVER (ORDER BY ssn) FROM employees", "window"],
    ["SELECT FIRST_VALUE(ssn) OVER (PARTITION BY id) FROM employees", "window"],
    ["SELECT UPPER(ssn) FROM employees", "select"],
  ])("%s reads ssn in clause %s (an aggregate's or window's own, as on Postgres)", (sql, clause) => {
    const clauses = lineageOf(sql)
      .references.filter((ref) => text(ref.sources) === "employees.ssn")
      .map((ref) => ref.clause);
    expect(clauses).toEqual([clause]);
  });

  it("a star over a relation whose columns are not listed has no outputs, only its whole row", () => {
    const lineage = lineageOf("SELECT * FROM employees");
    expect(lineage.outputs).toBeNull();
    expect(lineage.references.map((ref) => text(ref.sources))).toEqual(["employees.null"]);
  });

  it("a write's assignments are read in clause set, its targets written", () => {
    const lineage = lineageOf(
      "UPDATE notes n JOIN employees e ON e.id = n.id SET n.body = e.email WHERE n.id = 1",
    );
    expect(lineage.references.map((ref) => [ref.clause, text(ref.sources)])).toEqual([
      ["join", "employees.id"],
      ["join", "notes.id"],
      ["set", "employees.email"],
      ["where", "notes.id"],
    ]);
    expect(lineage.targets).toEqual([{ schema: "shop", table: "notes", column: "body" }]);
  });

  it.each([
    ["INSERT INTO employees VALUES (3, 'c', 'e', 's', 5)", ["employees.null"]],
    ["REPLACE INTO employees VALUES (1, 'a', 'e', 's', 5)", ["employees.null"]],
    ["INSERT INTO employees SELECT * FROM departments", ["employees.null"]],
    ["INSERT INTO employees (id, name) VALUES (3, 'c')", ["employees.id", "employees.name"]],
    ["INSERT INTO employees SET id = 4, salary = 9", ["employees.id", "employees.salary"]],
  ])("%s writes %j (no column list: every column, in order)", (sql, expected) => {
    expect(lineageOf(sql).targets.map((t) => `${t.table}.${t.column}`)).toEqual(expected);
  });

  it("ORDER BY a select alias reads what the alias reads (and column x, if the table has one)", () => {
    const lineage = lineageOf("SELECT email AS x FROM employees ORDER BY x");
    expect(
      lineage.references.filter((ref) => ref.clause === "order").map((ref) => text(ref.sources)),
    ).toEqual(["employees.x|employees.email"]);
  });
});

it("ORDER BY and GROUP BY an output's position read that output", () => {
  const lineage = lineageOf("SELECT id, ssn FROM employees GROUP BY 1, 2 ORDER BY 2");
  const positional = lineage.references.filter((ref) => /^\d$/.test(ref.text));
  expect(positional.map((ref) => [ref.clause, text(ref.sources)])).toEqual([
    ["group", "employees.id"],
    ["group", "employees.ssn"],
    ["order", "employees.ssn"],
  ]);
});

describe("MySQL writes read what their values and conditions name, as PostgreSQL's facts do", () => {
  it.each([
    ["UPDATE employees SET name = 'x' WHERE id = 1", []],
    ["DELETE FROM employees WHERE id = 3", []],
    ["INSERT INTO employees (id) VALUES (3)", []],
    ["INSERT INTO notes SELECT id, ssn FROM employees", ["employees"]],
    ["UPDATE notes SET body = (SELECT ssn FROM employees) WHERE id = 1", ["employees"]],
    ["UPDATE notes n JOIN employees e ON e.id = n.id SET n.body = 'x'", ["employees", "notes"]],
  ])("%s reads %j", (sql, expected) => {
    const parsed = parseMySql(sql);
    const read = parsed.ok ? parsed.statements[0]?.tablesRead.map((table) => table.name).sort() : null;
    expect(read).toEqual(expected);
  });
});
