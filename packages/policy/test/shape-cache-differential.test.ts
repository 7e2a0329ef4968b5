import { FactsCache } from "@sluice/policy/facts-cache";
import { normalizeStatement } from "@sluice/sql/normalize";
import { loadParser, parseStatements } from "@sluice/sql/parser";
import { agreesWithNormalized, quickShape } from "@sluice/sql/quick-shape";
import { beforeAll, describe, expect, it } from "vitest";

beforeAll(() => loadParser());

/**
 * Statements that share a quick shape the normalizer agreed with are handed one facts object: so
 * for every text of that shape the facts must be the ones its own parse gives. Templates hold the
 * lexer's hard cases; literals are filled in at random (a fixed seed), strings with quotes, comment
 * and dollar-quote openers, newlines and non-ASCII inside, numbers of both classes.
 */
const TEMPLATES = [
  "SELECT * FROM t WHERE a = {S} AND b > {I}",
  "SELECT a FROM t ORDER BY {I}",
  "SELECT a, b FROM t GROUP BY {I}",
  "SELECT a, b FROM t GROUP BY ROLLUP ({I})",
  "SELECT DISTINCT ON ({I}) a, b FROM t",
  "SELECT x::float({I}) FROM t",
  "SELECT x::numeric({I},{I}) FROM t",
  'SELECT * FROM U&"d!0061t" UESCAPE {S}',
  "SELECT {S}::regclass",
  "SELECT interval {S} day",
  "SELECT a FROM t WHERE a IN ({I}, {I}, {F})",
  'SELECT {S} COLLATE "C"',
  'SELECT "a""b"."c" FROM "s"."t" WHERE x = {S}',
  'SELECT {I}"a" FROM t',
  "SELECT t.a-{I}, {F}*{F}, -{I} FROM t",
  "SELECT {S}||{S} FROM t WHERE a ~~ {S}",
  "SELECT x FROM t TABLESAMPLE system ({I}) REPEATABLE ({I})",
  "SELECT CAST({S} AS varchar({I}))",
  "SELECT {S}\n, {S}",
  "SELECT set_config({S}, {S}, false)",
  "SET search_path = {S}",
  "SELECT * FROM t LIMIT {I} OFFSET {I}",
  "SELECT a FROM t WHERE b = {S} OR c = {S} FOR UPDATE",
  "SELECT * FROM xmltable({S} passing {S} columns x int path {S})",
  "SELECT json_value({S}, {S})",
  "SELECT pg_read_file({S})",
  "DELETE FROM t WHERE a = {S}",
  "INSERT INTO t VALUES ({I}, {S})",
  "DO {S}",
  "CREATE FUNCTION f() RETURNS int AS {S} LANGUAGE sql",
  "SELECT a FROM t WHERE a = {S}; SELECT b FROM u WHERE b = {S}",
  "SELECT string_agg(a, {S} ORDER BY {I}) FROM t",
  "SELECT a FROM t WINDOW w AS (ORDER BY {I})",
  "SELECT a FROM t UNION SELECT {I} ORDER BY {I}",
];

const PIECES = [
  "a",
  "Z",
  "''",
  '"',
  "$",
  "$$",
  "--",
  "/*",
  "*/",
  "\n",
  " ",
  "é",
  "😀",
  ";",
  "(",
  ")",
  "&",
  "U&",
  "\t",
  "1",
  "%",
];

function random(seed: number) {
  let state = seed;
  return (n: number) => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state % n;
  };
}

function fill(template: string, next: (n: number) => number): string {
  return template.replace(/\{([SIF])\}/g, (_, kind: string) => {
    if (kind === "S") {
      let text = "";
      for (let i = next(6); i > 0; i -= 1) text += PIECES[next(PIECES.length)];
      return `'${text}'`;
    }
    const digits = () => {
      let text = String(next(10));
      for (let i = next(12); i > 0; i -= 1) text += String(next(10));
      return text;
    };
    if (kind === "I") {
      const text = digits();
      // An integer literal of the server's ICONST class most of the time, FCONST sometimes.
      return text.length > 9 && next(2) === 0 ? text.slice(0, 9) : text;
    }
    return next(3) === 0 ? `.${digits()}` : `${digits()}.${next(2) ? digits() : ""}`;
  });
}

const factsOf = (parsed: ReturnType<FactsCache["parse"]>) => JSON.stringify(parsed);

describe("facts handed out by quick shape", () => {
  it("are each text's own facts", () => {
    const next = random(20261205);
    const wrong: string[] = [];
    let trusted = 0;
    for (const template of TEMPLATES) {
      const cache = new FactsCache();
      for (let round = 0; round < 60; round += 1) {
        const sql = fill(template, next);
        const quick = quickShape(sql);
        const normalized = normalizeStatement(sql);
        if (quick !== null && normalized !== null && agreesWithNormalized(quick, normalized)) trusted += 1;
        const own = factsOf(parseStatements(sql));
        if (factsOf(cache.parse(sql)) !== own) wrong.push(sql);
      }
    }
    expect(trusted).toBeGreaterThan(200);
    expect(wrong).toEqual([]);
  });
});
