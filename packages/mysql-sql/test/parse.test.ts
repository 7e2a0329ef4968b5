import { describe, expect, it } from "vitest";
import { parseMySql } from "../src/parse";

const facts = (sql: string) => {
  const parsed = parseMySql(sql);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.statements;
};
const refusal = (sql: string) => {
  const parsed = parseMySql(sql);
  return parsed.ok ? null : parsed.error;
};

describe("parseMySql", () => {
  it("reads tables, functions and unscoped writes", () => {
    const [select] = facts("SELECT CONCAT(name, email) FROM hr.employees e WHERE e.id = 1");
    expect(select?.kind).toBe("SELECT");
    expect(select?.tablesRead).toEqual([{ schema: "hr", name: "employees", alias: "e" }]);
    expect(select?.functionCalls).toEqual([{ schema: null, name: "concat" }]);
    expect(select?.dialect).toBe("mysql");
    const [update] = facts("UPDATE employees SET salary = 0");
    expect(update?.unscopedWrites).toEqual([{ kind: "UPDATE", table: { schema: null, name: "employees" } }]);
    expect(facts("DELETE FROM employees WHERE id = 3")[0]?.unscopedWrites).toEqual([]);
  });

  it("over-reports writes the grammar misreads (DELETE QUICK IGNORE)", () => {
    const [remove] = facts("DELETE QUICK IGNORE FROM employees WHERE id = 3");
    expect(remove?.tablesWritten.map((t) => t.name)).toContain("employees");
  });

  it("resolves a multi-table DELETE target written by its alias", () => {
    const [remove] = facts("DELETE e FROM employees e JOIN departments d ON e.dept_id = d.id WHERE d.x = 1");
    expect(remove?.tablesWritten.map((t) => t.name).sort()).toEqual(["departments", "employees"]);
  });

  it("keeps a table whose name a subquery's alias hides only in that subquery (review9)", () => {
    const names = (tables: { name: string }[] | undefined) => tables?.map((t) => t.name).sort();
    const [remove] = facts("DELETE FROM locked WHERE id = 1 AND id IN (SELECT 1 FROM departments locked)");
    expect(names(remove?.tablesWritten)).toContain("locked");
    const [update] = facts(
      "UPDATE locked SET note = 'x' WHERE id IN (SELECT locked.id FROM departments AS locked)",
    );
    expect(names(update?.tablesWritten)).toContain("locked");
    const [select] = facts("SELECT * FROM secret WHERE 1 IN (SELECT 1 FROM departments secret)");
    expect(names(select?.tablesRead)).toEqual(["departments", "secret"]);
  });

  it("refuses executable comments, whose content the server runs", () => {
    expect(refusal("SELECT 1 /*!, secret FROM employees */")).toMatch(/executable comment/);
    expect(refusal("SELECT /*M!100000 1, */ 2")).toMatch(/executable comment/);
    expect(refusal("/*!50001 CREATE VIEW v AS SELECT 1 */")).toMatch(/executable comment/);
  });

  it("refuses `--` without a blank, which the server reads as minus minus", () => {
    expect(refusal("SELECT 1 --1 FROM secret")).toMatch(/two minus signs/);
    expect(facts("SELECT 1 -- a comment\nFROM t")[0]?.tablesRead).toEqual([{ schema: null, name: "t" }]);
    expect(facts("SELECT 1 # hash comment\nFROM t")[0]?.tablesRead).toEqual([{ schema: null, name: "t" }]);
  });

  it("reads string ends as the server does with backslash escapes", () => {
    // One literal to the server: 'a\' FROM secret -- ' (the backslash escapes the quote).
    expect(facts("SELECT 'a\\' FROM secret -- '")[0]?.tablesRead).toEqual([]);
    // 'a\\' ends at the second quote: secret is a column, t a table.
    expect(facts("SELECT 'a\\\\', secret FROM t")[0]?.tablesRead).toEqual([{ schema: null, name: "t" }]);
    expect(refusal("SELECT 'unterminated")).toMatch(/unterminated/);
  });

  it("refuses changes to the pinned sql_mode and character set", () => {
    expect(refusal("SET sql_mode = 'ANSI_QUOTES'")).toMatch(/pinned/);
    expect(refusal("SET @@session.sql_mode = ''")).toMatch(/pinned/);
    expect(refusal("SET character_set_client = 'big5'")).toMatch(/pinned/);
    // Said as a pinned character set, not as syntax the gateway cannot read.
    expect(refusal("SET NAMES latin1")).toMatch(/character set is pinned/);
    expect(refusal("SET CHARACTER SET gbk")).toMatch(/character set is pinned/);
    expect(refusal("set /* x */ charset big5")).toMatch(/character set is pinned/);
    expect(facts("SET @a = 1")[0]?.settings).toEqual([]);
  });

  it("reads a trigger's SET body as settings of the session its write fires it in", () => {
    const trigger = (body: string) => `CREATE TRIGGER t BEFORE INSERT ON scratch FOR EACH ROW SET ${body}`;
    // MariaDB keeps character_set_results after the trigger: later rows would come in UTF-16.
    expect(refusal(trigger("NEW.a = 1, character_set_results = 'utf16'"))).toMatch(/pinned/);
    expect(refusal(trigger("`SQL_MODE` = 'ANSI_QUOTES'"))).toMatch(/pinned/);
    expect(facts(trigger("NEW.a = 1, foreign_key_checks = 0"))[0]?.settings).toEqual([
      { name: "foreign_key_checks", value: null, via: "SET" },
    ]);
    expect(facts(trigger("NEW.a = NEW.id, old.b = 2"))[0]?.settings).toEqual([]);
  });

  it("reads SHOW [FULL] TABLES as SQLAlchemy's inspect() sends it, and nothing more", () => {
    for (const sql of [
      "SHOW FULL TABLES FROM `shop_1`",
      "show tables",
      "SHOW TABLES IN shop LIKE 'emp%'",
      "SHOW FULL TABLES FROM `we``ird` LIKE 'it''s'",
      // One literal to the server too (backslash escapes): read as the server reads it.
      "SHOW TABLES LIKE 'a\\' OR 1 -- '",
    ]) {
      expect(facts(sql)[0]?.kind, sql).toBe("SHOW");
      expect(facts(sql)[0]?.tablesRead, sql).toEqual([]);
    }
    for (const sql of [
      "SHOW FULL TABLES WHERE (SELECT ssn FROM employees LIMIT 1) = 'x'",
      "SHOW TABLES LIKE 'a' OR 1",
      "SHOW FULL TABLES FROM shop; DELETE FROM employees",
    ]) {
      expect(refusal(sql), sql).not.toBeNull();
    }
  });

  it("accepts SET NAMES that restates the pinned utf8mb4, and nothing riding along with it", () => {
    for (const sql of [
      "SET NAMES utf8mb4",
      "set names 'utf8mb4'",
      "SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci;",
      "SET NAMES `utf8mb4` COLLATE 'utf8mb4_bin'",
      "SET CHARACTER SET utf8mb4",
      'SET CHARSET "utf8mb4"',
      "SET /* driver */ NAMES utf8mb4",
    ]) {
      expect(facts(sql)[0]?.kind, sql).toBe("SET");
      expect(facts(sql)[0]?.settings, sql).toEqual([]);
    }
    for (const sql of [
      "SET NAMES utf8",
      "SET NAMES gbk",
      "SET NAMES utf8mb4 COLLATE gbk_chinese_ci",
      "SET NAMES utf8mb4, sql_mode = 'ANSI_QUOTES'",
      "SET NAMES utf8mb4; SET NAMES big5",
      "SET NAMES utf8mb4x",
      "SET NAMES DEFAULT",
      "SET NAMES 'utf8mb4",
    ]) {
      expect(refusal(sql), sql).not.toBeNull();
    }
  });

  it("marks server files: INTO OUTFILE, INTO DUMPFILE, LOAD DATA", () => {
    expect(facts("SELECT * FROM t INTO OUTFILE '/tmp/x'")[0]?.serverFileAccess).toBe("file");
    expect(facts("SELECT * FROM t INTO DUMPFILE '/tmp/x'")[0]?.serverFileAccess).toBe("file");
    expect(facts("LOAD DATA INFILE '/tmp/x' INTO TABLE t")[0]?.serverFileAccess).toBe("file");
  });

  it("turns USE into the default database, where unqualified names resolve", () => {
    expect(facts("USE app")[0]?.settings).toEqual([{ name: "search_path", value: "app", via: "SET" }]);
  });

  it("reports unmodeled statements as opaque and CALL as hidden SQL", () => {
    expect(facts("CALL p(1)")[0]?.opaque.map((o) => o.construct)).toContain("CALL");
  });
});
