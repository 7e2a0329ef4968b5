import { hasSqlDetails, loadModule, normalizeSync, parseSync, scanSync } from "libpg-query";
import { beforeAll, describe, expect, it } from "vitest";
import { loadPgQuery, normalizeQuery, parseToJson, scanQuery } from "../src/pg-query-module";

beforeAll(() => Promise.all([loadModule(), loadPgQuery()]));

/**
 * The module is called without libpg-query's wrapper, so it must read back exactly what the wrapper
 * does: the same trees, errors, normalized texts and tokens, for text that stresses the copies in
 * and out (multi-byte and astral characters, quotes, an embedded NUL, a long statement, errors).
 */
const STATEMENTS = [
  "SELECT id, first_name FROM customers WHERE id = 42",
  "SELECT 'héllo wörld', '日本語', '🙂🙂' AS emoji, \"naïve\" FROM t",
  "SELECT $$dollar 'quoted' text$$, E'a\\nb', U&'d\\0061t', B'101', X'1F'",
  "WITH recent AS (SELECT * FROM orders) SELECT count(*) FROM recent; UPDATE t SET a = 1 WHERE b = 2",
  "SELECT x::float(10), y::numeric(10, 2) FROM t /* a comment */ -- another",
  `SELECT ${Array.from({ length: 400 }, (_, i) => `c${i}`).join(", ")} FROM wide WHERE note = '${"x".repeat(5000)}'`,
  "SELECT 1\u0000; DROP TABLE t",
  "SELEC 1",
  "SELECT 'unterminated",
  "SELECT * FROM t WHERE a = 'é' AND b = (",
  "INSERT INTO t VALUES (1, 'a'), (2, 'b') RETURNING *",
  "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $f$ SELECT 1 $f$",
];

/** What libpg-query's own wrapper gives, as a value or as the error it throws. */
function viaWrapper<T>(run: () => T): { value: T } | { thrown: unknown } {
  try {
    return { value: run() };
  } catch (error) {
    return { thrown: hasSqlDetails(error) ? error.sqlDetails : (error as Error).message };
  }
}

describe("PostgreSQL's parser called without libpg-query's wrapper", () => {
  for (const sql of STATEMENTS) {
    const name = JSON.stringify(sql.slice(0, 60));
    it(`parses ${name} into the wrapper's tree or error`, () => {
      const expected = viaWrapper(() => parseSync(sql));
      const parsed = parseToJson(sql);
      if ("value" in expected) {
        expect("json" in parsed && JSON.parse(parsed.json)).toEqual(expected.value);
      } else {
        expect("error" in parsed && parsed.error).toEqual(expected.thrown);
      }
    });

    it(`normalizes and scans ${name} as the wrapper does`, () => {
      const normalized = viaWrapper(() => normalizeSync(sql));
      expect(normalizeQuery(sql)).toEqual("value" in normalized ? normalized.value : null);
      const scanned = viaWrapper(() => scanSync(sql).tokens);
      expect(scanQuery(sql)).toEqual("value" in scanned ? scanned.value : null);
    });
  }

  it("reads syntax errors with their position and source", () => {
    const parsed = parseToJson("SELECT * FROM t WHERE a = 'é' AND b = (");
    expect("error" in parsed && parsed.error).toMatchObject({
      message: expect.stringContaining("syntax error"),
      functionName: expect.any(String),
      fileName: expect.any(String),
      lineNumber: expect.any(Number),
    });
  });
});
