import { FactsCache } from "@sluice/policy/facts-cache";
import { normalizeStatement } from "@sluice/sql/normalize";
import { loadParser, parseStatements } from "@sluice/sql/parser";
import { beforeAll, describe, expect, it } from "vitest";

beforeAll(() => loadParser());

/**
 * PostgreSQL's normalizer recurses deeper than its parser: nested expressions some hundreds deep
 * (how deep depends on the thread's JavaScript stack) parse, yet overflow the stack in the
 * normalizer. That is the normalizer's failure, not the statement's: it must read as "no shape"
 * (null) and the statement be judged on its own parse, never throw out of the decision (which
 * ends the session, unaudited).
 */
const DEPTHS = Array.from({ length: 30 }, (_, i) => 50 * (i + 1));
const nestedArray = (depth: number, tail = "") =>
  `SELECT ${"ARRAY[".repeat(depth)}1${"]".repeat(depth)} FROM public_t${tail}`;

/** Whether `run` returns; a statement the parser itself cannot take is not the normalizer's concern. */
const returns = (run: () => unknown) => {
  try {
    run();
    return true;
  } catch {
    return false;
  }
};

describe("a statement too deep for the normalizer", () => {
  it("has no normalized shape, and no exception, wherever it parses", () => {
    const thrown = DEPTHS.filter(
      (depth) =>
        returns(() => parseStatements(nestedArray(depth))) &&
        !returns(() => normalizeStatement(nestedArray(depth))),
    );
    expect(thrown).toEqual([]);
  });

  it("is judged on its own parse, the first of its shape and every one after", () => {
    const thrown: string[] = [];
    for (const depth of DEPTHS) {
      if (!returns(() => parseStatements(nestedArray(depth)))) continue;
      const cache = new FactsCache();
      // A comment: no quick shape, so the normalizer is asked at once; then two of one quick shape.
      for (const tail of [" /* c */", " WHERE 1 = 1", " WHERE 1 = 2"]) {
        if (!returns(() => cache.parse(nestedArray(depth, tail)))) thrown.push(`${depth}${tail}`);
      }
    }
    expect(thrown).toEqual([]);
  });
});
