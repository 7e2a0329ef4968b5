import { FactsCache } from "@sluice/policy/facts-cache";
import { loadParser } from "@sluice/sql/parser";
import { beforeAll, describe, expect, it } from "vitest";

beforeAll(() => loadParser());

const unscoped = (cache: FactsCache, sql: string) => {
  const parsed = cache.parse(sql);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.statements[0]?.unscopedWrites.length;
};

describe("facts kept under a statement's shape", () => {
  it("are not shared between writes whose scope turns on a constant", () => {
    const cache = new FactsCache();
    expect(unscoped(cache, "DELETE FROM orders WHERE status LIKE 'pa%'")).toBe(0);
    expect(unscoped(cache, "DELETE FROM orders WHERE status LIKE '%'")).toBe(1);
    expect(unscoped(cache, "UPDATE orders SET s = 1 WHERE status LIKE '%'")).toBe(1);
    expect(unscoped(cache, "UPDATE orders SET s = 1 WHERE status LIKE 'x'")).toBe(0);
  });

  it("are shared between reads that differ only in constants", () => {
    const cache = new FactsCache();
    const first = cache.parse("SELECT * FROM orders WHERE id = 1");
    expect(cache.parse("SELECT * FROM orders WHERE id = 2")).toBe(first);
  });
});
