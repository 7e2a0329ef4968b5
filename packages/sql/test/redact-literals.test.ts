import { beforeAll, describe, expect, it, vi } from "vitest";
import { loadParser } from "../src/parser";
import { scanQuery } from "../src/pg-query-module";
import { redactLiterals } from "../src/redact-literals";

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

  it("still lexes anything that may start a constant, a comment or a name, and redacts as before", () => {
    const cases: [string, string][] = [
      ["SELECT * FROM t WHERE ssn = '123-45-6789'", "SELECT * FROM t WHERE ssn = '[redacted]'"],
      ["SELECT $$secret$$, $tag$x$tag$", "SELECT '[redacted]', '[redacted]'"],
      ["SELECT 1 -- secret", "SELECT 1 -- [redacted]"],
      ["SELECT 1 /* secret */", "SELECT 1 /* [redacted] */"],
      ["SELECT E'a\\'b', X'ff'", "SELECT '[redacted]', '[redacted]'"],
      ['SELECT "a--b" FROM t', 'SELECT "a--b" FROM t'],
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
});
