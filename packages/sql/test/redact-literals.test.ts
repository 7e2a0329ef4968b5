import { beforeAll, describe, expect, it, vi } from "vitest";
import { mulberry32 } from "../../../test/mulberry32";
import { loadParser } from "../src/parser";
import { scanQuery } from "../src/pg-query-module";
import { quickShape } from "../src/quick-shape";
import { redactByServerLexer, redactLiterals } from "../src/redact-literals";

// The lexer, watched: a statement that cannot hold a literal or comment is returned without it.
vi.mock("../src/pg-query-module", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../src/pg-query-module")>();
  return { ...actual, scanQuery: vi.fn(actual.scanQuery) };
});

beforeAll(() => loadParser());

const PLACEHOLDER = "[redacted]";

describe("redactLiterals", () => {
  it("returns a statement of names, numbers and operators as it is, without the lexer", () => {
    const statements = [
      "SELECT abalance FROM pgbench_accounts WHERE aid = 48213;",
      "UPDATE t SET x = x + 1.5e3 WHERE id IN (1, 2, 3) AND y <> -4",
      "SELECT a/b, a-b, a*b FROM t WHERE é = 1",
      "SELECT abalance FROM pgbench_accounts WHERE aid = $1 AND bid IN ($2, $10)",
      "SELECT x$1 FROM t",
    ];
    vi.mocked(scanQuery).mockClear();
    for (const sql of statements) expect(redactLiterals(sql, PLACEHOLDER)).toBe(sql);
    expect(scanQuery).not.toHaveBeenCalled();
  });

  it("still lexes anything past the quick shape's lexer that may start a constant or a comment", () => {
    const cases: [string, string][] = [
      ["SELECT $$secret$$, $tag$x$tag$", "SELECT '[redacted]', '[redacted]'"],
      ["SELECT 1 -- secret", "SELECT 1 -- [redacted]"],
      ["SELECT 1 /* secret */", "SELECT 1 /* [redacted] */"],
      ["SELECT E'a\\'b', X'ff'", "SELECT '[redacted]', '[redacted]'"],
      ['SELECT "a--b" FROM t WHERE c = $$x$$', "SELECT \"a--b\" FROM t WHERE c = '[redacted]'"],
      // A `$` before anything but a digit may open a dollar quote, wherever a parameter stands too.
      ["SELECT $1, $a$secret$a$", "SELECT $1, '[redacted]'"],
      ["SELECT $1 || $$secret$$", "SELECT $1 || '[redacted]'"],
      ["SELECT $_$secret$_$ FROM t WHERE id = $2", "SELECT '[redacted]' FROM t WHERE id = $2"],
      // The lexer cannot read it: cut at the first quote, as before.
      ['SELECT "unterminated FROM t', "SELECT '[redacted]'"],
      ["SELECT 'unterminated", "SELECT '[redacted]'"],
      // A lone surrogate goes to the upstream as U+FFFD, and the recording says so.
      ["SELECT 1 AS \uD800x", "SELECT 1 AS \uFFFDx"],
    ];
    for (const [sql, expected] of cases) {
      vi.mocked(scanQuery).mockClear();
      expect(redactLiterals(sql, PLACEHOLDER)).toBe(expected);
      expect(scanQuery).toHaveBeenCalledTimes(1);
    }
  });

  it("redacts plain string constants without the lexer, as the lexer would", () => {
    const cases: [string, string][] = [
      ["SELECT * FROM t WHERE ssn = '123-45-6789'", "SELECT * FROM t WHERE ssn = '[redacted]'"],
      [
        "SELECT aid FROM a WHERE f = 'it''s' AND n = 42;",
        "SELECT aid FROM a WHERE f = '[redacted]' AND n = 42;",
      ],
      // Comment and dollar-quote openers inside a string are the string's.
      ["SELECT 'a -- b', 'c /* d', '$$e$$' FROM t", "SELECT '[redacted]', '[redacted]', '[redacted]' FROM t"],
      [`SELECT "it's" FROM t WHERE x = 'v'`, `SELECT "it's" FROM t WHERE x = '[redacted]'`],
      ["SELECT 'é ü 😀' AS x, 1.5 AS y", "SELECT '[redacted]' AS x, 1.5 AS y"],
      ["INSERT INTO t VALUES ('a', 2, 'b')", "INSERT INTO t VALUES ('[redacted]', 2, '[redacted]')"],
      [`SELECT "a""b" FROM t`, `SELECT "a""b" FROM t`],
    ];
    for (const [sql, expected] of cases) {
      vi.mocked(scanQuery).mockClear();
      expect(redactLiterals(sql, PLACEHOLDER)).toBe(expected);
      expect(scanQuery).not.toHaveBeenCalled();
    }
  });

  it("gives the server lexer's answer for every text, whichever way it takes", () => {
    const statements = [
      "SELECT * FROM t WHERE a = 'x' AND b = 'y''z'",
      "SELECT 'a'\n'b'",
      "SELECT 'a'\n  'b' FROM t",
      "SELECT 'a' 'b'",
      "SELECT E'a\\'b' FROM t WHERE c = 'd'",
      "SELECT e'x', 'y'",
      "SELECT N'x', B'101', X'ff', U&'d\\0061t', 'plain'",
      "SELECT u&'x' UESCAPE '!', 'y'",
      "SELECT 'x' -- tail 'y'",
      "SELECT 'x' /* 'y' */ , 'z'",
      "SELECT $$a'b$$, 'c'",
      "SELECT $q$'$q$ FROM t WHERE x = 'v'",
      "SELECT x$y FROM t WHERE a = 'b'",
      `SELECT "col'umn" FROM "t""x" WHERE "c" = 'v'`,
      "SELECT 'unterminated",
      "SELECT 1e5, 'a', 0x1F, 1_000, 'b'",
      "SELECT 'a'::text, int '1', 'b'||'c'",
      "SELECT 'é', 'ü' FROM t WHERE ñ = 'x'",
      "SELECT '\uD800', 'a'",
      "SELECT a.b FROM t WHERE a.'x'",
      "SELECT 'a' FROM t WHERE b = 'c' */",
      "SELECT 'a'--'b'\n, 'c'",
      "SELECT 1.5, .5, 5., 'x' FROM t",
      `SELECT 'x' AS "a""--", 'y'`,
      "SELECT 'a\\b', 'c'",
      "SELECT 'a' || 'b' FROM t WHERE c = '' AND d = ''''",
      "SELECT 'a'/'b', 'c'*/'d'",
      "SELECT 'x'\t'y', 'z'\r\n'w'",
    ];
    for (const sql of statements) {
      expect(redactLiterals(sql, PLACEHOLDER), sql).toBe(redactByServerLexer(sql, PLACEHOLDER));
    }
  });

  it("agrees with the server lexer on random text made of the characters that bound literals", () => {
    const pieces = [
      "'",
      "''",
      "x",
      " ",
      '"',
      "--",
      "/*",
      "*/",
      "$",
      "$$",
      "1",
      ".",
      "E",
      "\n",
      "é",
      "\\",
      "&",
      "U",
      "e5",
      ",",
      "\t",
      "_",
      "b",
      "::",
    ];
    // A seeded generator: the same texts on every run. (A power-of-two linear congruential one
    // is no good here: its low bits, which pick the pieces, repeat every few draws.)
    const next = randomIndex(12345);
    for (let n = 0; n < 3000; n += 1) {
      let sql = "SELECT ";
      const length = 1 + (next() % 12);
      for (let i = 0; i < length; i += 1) sql += pieces[next() % pieces.length];
      expect(redactLiterals(sql, PLACEHOLDER), sql).toBe(redactByServerLexer(sql, PLACEHOLDER));
    }
  });

  it("agrees with the server lexer on string constants holding what bounds them, whatever was read before", () => {
    // Inside a constant: doubled quotes, comment and dollar-quote starts, double quotes, non-ASCII.
    const inside = ["a", "''", '"', " ", "\n", "$", "$$", "--", "/*", "*/", "é", "😀", "x'", "1", "E'", "&"];
    // Between constants: what may glue a prefix on, join two constants, or hide a quote in a name.
    const between = [
      " ",
      "\n",
      "\r\n",
      "\t",
      "\v",
      "\f",
      "x",
      "E",
      "N",
      "U&",
      "b",
      "1",
      "1.",
      ".5",
      ",",
      "(",
      "::",
    ];
    between.push("||", "-", "/", "*", '"q"', `"a'b"`, '""""', "AS", ";", "$1", "é");
    const next = randomIndex(54321);
    for (let n = 0; n < 4000; n += 1) {
      let sql = "SELECT ";
      for (let tokens = 1 + (next() % 8); tokens > 0; tokens -= 1) {
        if (next() % 2 === 0) {
          sql += between[next() % between.length];
          continue;
        }
        let constant = "'";
        for (let length = next() % 5; length > 0; length -= 1) constant += inside[next() % inside.length];
        sql += `${constant}'`;
      }
      // The shape of a text just like it was read last: the redaction must not take it for this one's.
      if (next() % 2 === 0) quickShape(`${sql.slice(0, -1)}${sql.endsWith("'") ? " " : "'"}`);
      expect(redactLiterals(sql, PLACEHOLDER), sql).toBe(redactByServerLexer(sql, PLACEHOLDER));
    }
  });
});

/** Seeded draws of non-negative integers, to pick from a list with `%`. */
function randomIndex(seed: number): () => number {
  const random = mulberry32(seed);
  return () => Math.floor(random() * 2 ** 31);
}
