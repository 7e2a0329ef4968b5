import { loadParser, parseStatements } from "@sluice/sql/parser";
import { beforeAll, describe, expect, it } from "vitest";

beforeAll(() => loadParser());

describe("empty statements", () => {
  it("parses to no statement, as the server (which answers EmptyQueryResponse) reads them", () => {
    for (const sql of ["", ";", " \n\t", "-- a comment", "/* block */ ;"]) {
      expect(parseStatements(sql), JSON.stringify(sql)).toEqual({ ok: true, statements: [] });
    }
  });

  it("still reports where a statement that does not parse fails", () => {
    // 0-based, in characters (not bytes): the server reports Position 22 for it.
    expect(parseStatements("SELECT 'é', 'ü' FROM WHERE")).toEqual({
      ok: false,
      error: 'syntax error at or near "WHERE"',
      position: 21,
      // The parser's own source location: the session places the server's lines by it.
      source: { file: "scan.l", line: expect.any(Number), routine: "scanner_yyerror" },
    });
  });
});
