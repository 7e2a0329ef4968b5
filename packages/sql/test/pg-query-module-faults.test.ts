import { describe, expect, it } from "vitest";
import { until } from "../../../test/until";
import { loadParser, parseStatements } from "../src/parser";
import { normalizeQuery, parserReplacements } from "../src/pg-query-module";

/** Deep enough to overflow the normalizer's recursion on this thread, shallow enough to parse. */
const deep = (depth: number) => `SELECT ${"ARRAY[".repeat(depth)}1${"]".repeat(depth)}`;

describe("a module that traps", () => {
  it("is replaced by a fresh one, which then parses as before", async () => {
    await loadParser();
    const before = parserReplacements();
    let trapped = false;
    for (let depth = 200; depth <= 20_000 && !trapped; depth *= 2) {
      try {
        normalizeQuery(deep(depth));
      } catch (error) {
        expect(error).toBeInstanceOf(RangeError);
        trapped = true;
      }
    }
    expect(trapped).toBe(true);
    await until(() => parserReplacements() > before, {
      what: "the faulted module replaced",
      timeoutMs: 20_000,
    });
    const parsed = parseStatements("SELECT id FROM customers WHERE id = 1");
    expect(parsed.ok).toBe(true);
  });
});
