import { FactsCache } from "@sluice/policy/facts-cache";
import { type RelationCatalog, resolveLineage } from "@sluice/sql/column-lineage";
import type { ParsedStatements } from "@sluice/sql/facts";
import { loadParser, parseStatements } from "@sluice/sql/parser";
import { beforeAll, describe, expect, it } from "vitest";

beforeAll(() => loadParser());

/**
 * A facts object handed to another statement of the same shape carries the parse tree column
 * lineage is resolved from (`rememberTree`). So a constant the lineage reads (a position in
 * DISTINCT ON, ROLLUP, CUBE, GROUPING SETS or a GROUP BY row) must never be one the normalizer
 * replaces: else `DISTINCT ON (2)` is judged by the lineage of `DISTINCT ON (1)` and a masked
 * column used as an oracle goes unseen.
 */
const catalog: RelationCatalog = {
  relationsNamed: (_schema, name) =>
    name === "people" ? [{ schema: "public", table: "people", columns: ["name", "ssn"] }] : null,
};

const lineageOf = (parsed: ParsedStatements) => {
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.statements.map((facts) => resolveLineage(facts, catalog).references);
};

const PAIRS: Array<[string, string]> = [
  ["SELECT DISTINCT ON (1) name, ssn FROM people", "SELECT DISTINCT ON (2) name, ssn FROM people"],
  [
    "SELECT name, ssn, count(*) FROM people GROUP BY ROLLUP (1)",
    "SELECT name, ssn, count(*) FROM people GROUP BY ROLLUP (2)",
  ],
  [
    "SELECT name, ssn, count(*) FROM people GROUP BY CUBE (1)",
    "SELECT name, ssn, count(*) FROM people GROUP BY CUBE (2)",
  ],
  [
    "SELECT name, ssn, count(*) FROM people GROUP BY GROUPING SETS ((1))",
    "SELECT name, ssn, count(*) FROM people GROUP BY GROUPING SETS ((2))",
  ],
  [
    "SELECT name, ssn, count(*) FROM people GROUP BY (1, 1)",
    "SELECT name, ssn, count(*) FROM people GROUP BY (1, 2)",
  ],
  ["SELECT name, ssn FROM people ORDER BY 1", "SELECT name, ssn FROM people ORDER BY 2"],
  [
    "SELECT name, ssn FROM people GROUP BY 1, 2 ORDER BY 1",
    "SELECT name, ssn FROM people GROUP BY 1, 2 ORDER BY 2",
  ],
];

describe("lineage handed out with cached facts", () => {
  for (const [first, second] of PAIRS) {
    it(`is each text's own: ${second}`, () => {
      const cache = new FactsCache();
      cache.parse(first);
      // A second of the first's shape too (the branch confirms a quick shape on its second text).
      cache.parse(first.replace("people", "people "));
      expect(lineageOf(cache.parse(second))).toEqual(lineageOf(parseStatements(second)));
    });
  }
});
