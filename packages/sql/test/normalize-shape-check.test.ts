import { beforeAll, describe, expect, it } from "vitest";
import { isNormalizationOf, normalizeStatement } from "../src/normalize";
import { loadParser } from "../src/parser";

beforeAll(() => loadParser());

describe("a normalized form is the statement with constants replaced, or nothing", () => {
  it("accepts what the normalizer makes of real statements", () => {
    for (const sql of [
      "SELECT 1",
      "  select 'a' , 2 from t where x = $1 ;  ",
      "SELECT E'\\x41', $$dollar$$, B'101', 1.5e3, -3",
      "/* c */ SELECT 1; SELECT 2",
      "select interval '1 day', float(10) 'x'",
      "COMMENT ON TABLE t IS 'x'",
    ]) {
      const normalized = normalizeStatement(sql);
      expect(normalized, sql).not.toBeNull();
      expect(isNormalizationOf(sql, normalized as string)).toBe(true);
    }
  });

  it("refuses an error message, another statement, or pieces out of order", () => {
    expect(normalizeStatement("SELECT 'unterminated")).toBeNull();
    expect(isNormalizationOf("SELECT 'x", 'unterminated quoted string at or near "\'x"')).toBe(false);
    expect(isNormalizationOf("SELECT a FROM t", "SELECT b FROM t")).toBe(false);
    expect(isNormalizationOf("SELECT 1, 2 FROM t", "SELECT $1 FROM t, $2")).toBe(false);
    expect(isNormalizationOf("SELECT 1", "SELECT $1 $2 1")).toBe(false);
    expect(isNormalizationOf("SELECT 1 FROM t", "SELECT $1 FROM t")).toBe(true);
  });

  it("is null, not an exception, when the normalizer overflows on deep nesting", () => {
    const deep = `SELECT ${"ARRAY[".repeat(1500)}1${"]".repeat(1500)}`;
    expect(() => normalizeStatement(deep)).not.toThrow();
  });
});
