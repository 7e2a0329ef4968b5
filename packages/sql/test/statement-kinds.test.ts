import type { StatementFacts } from "@sluice/sql/facts";
import { loadParser, parseStatements } from "@sluice/sql/parser";
import { KIND_FAMILIES, kindCovers, REPORTED_KINDS } from "@sluice/sql/statement-kinds";
import { beforeAll, describe, expect, it } from "vitest";

beforeAll(() => loadParser());

const kindOf = (sql: string) => {
  const parsed = parseStatements(sql);
  if (!parsed.ok) throw new Error(parsed.error);
  return (parsed.statements[0] as StatementFacts).kind;
};

describe("statement kinds", () => {
  // One statement per kind of node, modelled or not: whatever the parser reports must be a name
  // rules can use, or a rule naming it would be refused while the statement exists.
  it.each([
    ["ALTER TABLE orders ADD COLUMN x int", "ALTER TABLE"],
    ["ALTER TABLE orders RENAME TO o", "RENAME"],
    ["ALTER TABLE ALL IN TABLESPACE a SET TABLESPACE b", "ALTER TABLE ALL IN TABLESPACE"],
    ["ALTER DATABASE shop SET work_mem = '1MB'", "ALTER DATABASE"],
    ["ALTER DATABASE shop CONNECTION LIMIT 1", "ALTER DATABASE"],
    ["ALTER TYPE mood ADD VALUE 'x'", "ALTER TYPE"],
    ["ALTER FUNCTION f() IMMUTABLE", "ALTER FUNCTION"],
    ["ALTER TABLE orders SET SCHEMA s", "ALTER SET SCHEMA"],
    ["ALTER TABLE orders OWNER TO bob", "ALTER TABLE"],
    ["ALTER SCHEMA s OWNER TO bob", "ALTER OWNER"],
    ["CREATE DATABASE x", "CREATE DATABASE"],
    ["CREATE TYPE mood AS ENUM ('a')", "CREATE TYPE"],
    ["CREATE AGGREGATE a (int) (sfunc = f, stype = int)", "CREATE AGGREGATE"],
    ["CREATE TABLE t AS SELECT 1", "CREATE TABLE AS"],
    ["DROP DATABASE x", "DROP DATABASE"],
    ["DROP OWNED BY bob", "DROP OWNED"],
    ["SECURITY LABEL ON TABLE t IS 'x'", "SECURITY LABEL"],
    ["SET CONSTRAINTS ALL DEFERRED", "SET CONSTRAINTS"],
    ["REVOKE ALL ON t FROM bob", "REVOKE"],
    ["ANALYZE orders", "ANALYZE"],
    ["MOVE 1 IN c", "MOVE"],
    ["RESET ALL", "RESET"],
    ["COMMIT PREPARED 'x'", "COMMIT PREPARED"],
  ])("%s is reported as %s, a kind rules may name", (sql, kind) => {
    expect(kindOf(sql)).toBe(kind);
    expect(REPORTED_KINDS.has(kind)).toBe(true);
  });

  it.each([
    "ALTER TABLE orders RENAME TO o",
    "ALTER TABLE orders RENAME COLUMN status TO state",
    "ALTER TABLE orders RENAME CONSTRAINT c TO d",
    "ALTER VIEW v RENAME TO w",
    "ALTER TABLE orders SET SCHEMA archive",
  ])("%s also counts as ALTER TABLE", (sql) => {
    const parsed = parseStatements(sql);
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.statements[0]?.kinds).toContain("ALTER TABLE");
  });

  it("renaming what is not a relation is no ALTER TABLE", () => {
    const parsed = parseStatements("ALTER SCHEMA s RENAME TO t");
    expect(parsed.ok && parsed.statements[0]?.kinds).toEqual(["RENAME"]);
  });

  it("has families for the first words of the kinds, which are not kinds themselves", () => {
    expect([...KIND_FAMILIES]).toEqual(expect.arrayContaining(["ALTER", "CREATE", "REFRESH", "SECURITY"]));
    for (const family of KIND_FAMILIES) expect(REPORTED_KINDS.has(family)).toBe(false);
    expect(REPORTED_KINDS.has("DROP")).toBe(true);
  });

  it.each([
    ["ALTER", "ALTER TABLE", true],
    ["alter", "ALTER ROLE", true],
    ["ALTER", "RENAME", true],
    ["ALTER", "ALTER SYSTEM", true],
    ["DROP", "DROP ROLE", true],
    ["DROP", "DROP", true],
    ["CREATE", "CREATE FUNCTION", true],
    ["CREATE TABLE", "CREATE TABLE AS", true],
    ["CREATE TABLE", "SELECT INTO", true],
    ["  create   table ", "CREATE TABLE", true],
    ["GRANT", "GRANT ROLE", true],
    // Whole words only, and a kind never covers a broader one.
    ["ALTER TABLE", "ALTER TABLESPACE", false],
    ["ALTER TABLE", "ALTER", false],
    ["CREATE TABLE AS", "CREATE TABLE", false],
    ["DROP ROLE", "DROP", false],
    ["SELECT", "DELETE", false],
    ["ALTER", "CREATE TABLE", false],
  ])("%s covers %s: %s", (name, kind, expected) => {
    expect(kindCovers(name, kind)).toBe(expected);
  });
});
