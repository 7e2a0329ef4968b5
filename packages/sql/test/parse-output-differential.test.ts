import { loadModule, parseSync } from "libpg-query";
import { beforeAll, describe, expect, it } from "vitest";
import { mulberry32 as seeded } from "../../../test/mulberry32";
import { loadPgQuery, parseToJson } from "../src/pg-query-module";

beforeAll(() => Promise.all([loadModule(), loadPgQuery()]));

/**
 * The gateway reads the parser's output itself (where the JSON ends, how it is decoded), so what it
 * judges must be exactly what libpg-query's own `parse` returns: the parser is the security
 * boundary. A seeded corpus of statements built from pieces that stress the output's end and its
 * decoding (multi-byte and astral text inside literals, names and comments, escapes the JSON writer
 * must escape, several statements, errors), plus typical agent statements and long ones.
 */

const TEXT = [
  "a",
  "é",
  "日本語",
  "🙂",
  "\\",
  "\\\\",
  '"',
  "''",
  "\t",
  "\n",
  "\u0001",
  "\u007f",
  "\u00a0",
  "ß",
  "\uFFFD",
  "x".repeat(300),
];

/** Statement templates; `$` is replaced by text drawn from TEXT (quoted where the template quotes it). */
const TEMPLATES = [
  "SELECT id, first_name FROM customers WHERE note = '$'",
  'SELECT "$" FROM "t$"',
  "SELECT E'$\\n' AS x, $q$ $ $q$ AS y",
  "SELECT 1 /* $ */ -- $\n, 2",
  "INSERT INTO orders (note) VALUES ('$'), ('$') RETURNING id",
  "UPDATE orders SET status = '$' WHERE id = 1",
  "WITH w AS (SELECT '$' AS v) SELECT v FROM w; DELETE FROM t WHERE a = '$'",
  "SELECT c.first_name, count(o.id) FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.state = '$' GROUP BY 1",
  "SELECT '$",
  "SELECT * FROM t WHERE a = '$' AND b = (",
  "CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $f$ SELECT '$' $f$",
  "COMMENT ON TABLE t IS '$'",
];

function corpus(seed: number, count: number): string[] {
  const random = seeded(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
  const fill = () => Array.from({ length: 1 + Math.floor(random() * 4) }, () => pick(TEXT)).join("");
  return Array.from({ length: count }, () => {
    const statement = pick(TEMPLATES);
    // Quotes inside a quoted piece are doubled half the time (valid), left single otherwise (often an error).
    return statement.replaceAll("$", () => {
      const text = fill();
      return random() < 0.5 ? text.replaceAll("'", "''") : text;
    });
  });
}

const LONG = `SELECT ${Array.from({ length: 500 }, (_, i) => `c${i}`).join(", ")} FROM wide WHERE note = '${"日".repeat(20_000)}'`;

describe("the parse tree read from the module's memory", () => {
  it("is libpg-query's own parse() result, tree or error, over a seeded corpus", () => {
    const statements = [...corpus(14, 1500), LONG];
    let trees = 0;
    for (const sql of statements) {
      let expected: unknown;
      let isError = false;
      try {
        expected = parseSync(sql);
      } catch (error) {
        isError = true;
        expected = (error as Error).message;
      }
      const parsed = parseToJson(sql);
      if (isError) {
        expect("error" in parsed && parsed.error.message, sql).toBe(expected);
      } else {
        expect("json" in parsed && JSON.parse(parsed.json), sql).toEqual(expected);
        trees++;
      }
    }
    // Both branches must be exercised for the corpus to mean anything.
    expect(trees).toBeGreaterThan(statements.length / 3);
    expect(trees).toBeLessThan(statements.length);
  });
});
