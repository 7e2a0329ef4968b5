import { normalizeStatement } from "@sluice/sql/normalize";
import { loadParser } from "@sluice/sql/parser";
import {
  agreesWithNormalized,
  LITERAL_MARK,
  quickShape,
  quickShapeOfLastRead,
} from "@sluice/sql/quick-shape";
import { beforeAll, describe, expect, it, vi } from "vitest";

beforeAll(() => loadParser());

/** The quick shape with its marks spelled out, for readable expectations. */
const shown = (sql: string) => quickShape(sql)?.replaceAll(LITERAL_MARK, "#") ?? null;

const agrees = (sql: string) => {
  const quick = quickShape(sql);
  const normalized = normalizeStatement(sql);
  return quick !== null && normalized !== null && agreesWithNormalized(quick, normalized);
};

describe("quickShape", () => {
  it("marks string and numeric literals with the server's token class", () => {
    expect(shown("SELECT abalance FROM pgbench_accounts WHERE aid = 123;")).toBe(
      "SELECT abalance FROM pgbench_accounts WHERE aid = #I;",
    );
    expect(shown("SELECT 'it''s', 1.5, .5, 007, 2147483647, 2147483648")).toBe(
      "SELECT #S, #F, #F, #I, #I, #F",
    );
    expect(shown(`SELECT "a'b", t1.c2 FROM "T" WHERE x = 'y'`)).toBe(
      `SELECT "a'b", t1.c2 FROM "T" WHERE x = #S`,
    );
  });

  it("lexes a text read twice in a row once (the facts cache, then the recording's redaction)", () => {
    const sql = "SELECT abalance FROM pgbench_accounts WHERE aid = 7 AND filler = 'x';";
    const shape = quickShape(sql);
    const reads = vi.spyOn(String.prototype, "charCodeAt");
    try {
      expect(quickShapeOfLastRead(sql)).toBe(shape);
      expect(reads).not.toHaveBeenCalled();
      // Another text is lexed, and answered for itself.
      expect(quickShapeOfLastRead(`${sql} `)?.replaceAll(LITERAL_MARK, "#")).toBe(
        "SELECT abalance FROM pgbench_accounts WHERE aid = #I AND filler = #S; ",
      );
      expect(reads).toHaveBeenCalled();
      expect(quickShapeOfLastRead(sql)).toBe(shape);
    } finally {
      reads.mockRestore();
    }
  });

  it("keeps the text between literals byte for byte", () => {
    expect(shown("SELECT   1  ,\n\t2")).toBe("SELECT   #I  ,\n\t#I");
  });

  it.each([
    ["a line comment", "SELECT 1 -- note"],
    ["a block comment", "SELECT /* note */ 1"],
    ["a parameter", "SELECT $1"],
    ["a dollar quote", "SELECT $$x$$"],
    ["a dollar in an identifier", "SELECT a$b FROM t"],
    ["an escape string", "SELECT E'a'"],
    ["a Unicode string", "SELECT U&'a'"],
    ["a bit string", "SELECT B'01'"],
    ["a backslash in a string", "SELECT 'a\\'"],
    ["strings the server joins", "SELECT 'a'\n'b'"],
    ["an exponent", "SELECT 1e5"],
    ["a hexadecimal integer", "SELECT 0x1F"],
    ["underscores in a number", "SELECT 1_000"],
    ["junk after a number", "SELECT 123abc"],
    ["a range", "SELECT 1..2"],
    ["non-ASCII outside quotes", "SELECT café FROM t"],
    ["an unterminated string", "SELECT 'a"],
    ["an unterminated identifier", 'SELECT "a'],
    ["a zero-length identifier (an error to the server)", 'SELECT "" FROM t'],
  ])("gives up on %s", (_, sql) => {
    expect(quickShape(sql)).toBeNull();
  });
});

describe("agreesWithNormalized", () => {
  it.each([
    "SELECT abalance FROM pgbench_accounts WHERE aid = 123;",
    "SELECT x FROM t LIMIT 5 OFFSET 2",
    "SELECT date '2020-01-01', interval '1' day",
    "INSERT INTO t VALUES (1, 'a'), (2.5, 'b')",
    "SELECT 1; SELECT 'two'",
  ])("holds where PostgreSQL's normalizer replaces the same literals: %s", (sql) => {
    expect(agrees(sql)).toBe(true);
  });

  it.each([
    ["a raw token of the grammar", "SELECT x::float(10)"],
    ["a file name the normalizer keeps", "COPY t FROM '/tmp/x'"],
    ["a negative number the normalizer takes whole", "SELECT * FROM t WHERE a = -1"],
    ["text that does not parse", "SELECT t.5"],
  ])("fails for %s", (_, sql) => {
    expect(agrees(sql)).toBe(false);
  });

  it("never matches a `$<n>` the normalizer kept inside a literal", () => {
    expect(agreesWithNormalized(`SELECT ${LITERAL_MARK}S`, "SELECT '$1'")).toBe(false);
    expect(agreesWithNormalized(`SELECT ${LITERAL_MARK}S`, "SELECT $1")).toBe(true);
    expect(agreesWithNormalized(`SELECT ${LITERAL_MARK}S, 1`, "SELECT $1, $2")).toBe(false);
  });
});
