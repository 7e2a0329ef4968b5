import { FactsCache } from "@sluice/policy/facts-cache";
import { normalizeStatement } from "@sluice/sql/normalize";
import { loadParser } from "@sluice/sql/parser";
import { quickShape } from "@sluice/sql/quick-shape";
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

describe("facts kept under a statement's quick shape", () => {
  /** PostgreSQL's normalizer, counted, so a test can tell the quick path from the slow one. */
  const countedCache = () => {
    const calls = { normalize: 0 };
    const cache = new FactsCache({
      normalize: (sql) => {
        calls.normalize += 1;
        return normalizeStatement(sql);
      },
      quickShape,
    });
    return { cache, calls };
  };

  it("are found without the normalizer once it agreed with the quick shape", () => {
    const { cache, calls } = countedCache();
    const first = cache.parse("SELECT abalance FROM pgbench_accounts WHERE aid = 1");
    expect(cache.parse("SELECT abalance FROM pgbench_accounts WHERE aid = 2")).toBe(first);
    const normalizedBefore = calls.normalize;
    expect(cache.parse("SELECT abalance FROM pgbench_accounts WHERE aid = 3")).toBe(first);
    expect(calls.normalize).toBe(normalizedBefore);
  });

  it("keep taking the slow path for a shape the normalizer disagrees with", () => {
    const { cache, calls } = countedCache();
    cache.parse("SELECT x::float(10) FROM t");
    cache.parse("SELECT x::float(30) FROM t");
    cache.parse("SELECT x::float(40) FROM t");
    cache.parse("SELECT x::float(50) FROM t");
    // The first of the shape is parsed without the normalizer; every later one is normalized.
    expect(calls.normalize).toBe(3);
  });

  it("leave the normalizer out of a shape's first statement, and of statements never shared", () => {
    const { cache, calls } = countedCache();
    cache.parse("SELECT abalance FROM pgbench_accounts WHERE aid = 1");
    cache.parse("UPDATE orders SET status = 'x' WHERE id = 1");
    cache.parse("UPDATE orders SET status = 'x' WHERE id = 2");
    expect(calls.normalize).toBe(0);
  });

  it("never let a first statement the normalizer disagrees with stand for its shape", () => {
    // A normalizer that reads the first text differently (as PostgreSQL's would a raw token).
    const cache = new FactsCache({
      normalize: (sql) => (sql.endsWith("= 1") ? sql : normalizeStatement(sql)),
      quickShape,
    });
    const first = cache.parse("SELECT abalance FROM pgbench_accounts WHERE aid = 1");
    const second = cache.parse("SELECT abalance FROM pgbench_accounts WHERE aid = 2");
    expect(second).not.toBe(first);
    expect(cache.parse("SELECT abalance FROM pgbench_accounts WHERE aid = 3")).toBe(second);
  });

  it("hand a shape's first facts to a second statement only once the normalizer agreed", () => {
    const { cache } = countedCache();
    const castsOf = (sql: string) => {
      const parsed = cache.parse(sql);
      if (!parsed.ok) throw new Error(parsed.error);
      return parsed.statements[0]?.typeCasts?.map((cast) => cast.name);
    };
    // One quick shape, two types: the grammar reads float(p) as float4 up to 24 bits, float8 above.
    expect(castsOf("SELECT x::float(10) FROM t")).toEqual(["float4"]);
    expect(castsOf("SELECT x::float(30) FROM t")).toEqual(["float8"]);
    expect(castsOf("SELECT x::float(20) FROM t")).toEqual(["float4"]);
  });

  it("are not shared between writes whose scope turns on a constant", () => {
    const { cache } = countedCache();
    expect(unscoped(cache, "DELETE FROM orders WHERE status LIKE 'pa%'")).toBe(0);
    expect(unscoped(cache, "DELETE FROM orders WHERE status LIKE 'pb%'")).toBe(0);
    expect(unscoped(cache, "DELETE FROM orders WHERE status LIKE '%'")).toBe(1);
  });

  it("are not shared between statements that set a setting", () => {
    const { cache } = countedCache();
    const settingOf = (sql: string) => {
      const parsed = cache.parse(sql);
      if (!parsed.ok) throw new Error(parsed.error);
      return parsed.statements[0]?.settings;
    };
    expect(settingOf("SET search_path = 'public'")).toEqual(settingOf("SET search_path = 'public'"));
    expect(JSON.stringify(settingOf("SET search_path = 'shop'"))).toContain("shop");
  });
});
