import { readFileSync } from "node:fs";
import nodePath from "node:path";
import { describe, expect, it } from "vitest";
import { FINGERPRINTED_CATALOGS } from "../src/upstream/catalog-fingerprint";

/** The files whose SQL makes up the catalog read the fingerprint stands for. */
const READER_FILES = [
  "column-catalog.ts",
  "upstream-code-catalog.ts",
  "code-relations-sql.ts",
  "write-code-sql.ts",
];

/** pg_ names in that SQL that are not catalog tables read by it. */
const NOT_READ = new Set(["pg_catalog", "pg_toast", "pg_settings"]);

describe("the catalog fingerprint", () => {
  it("covers every catalog table the catalog read names", () => {
    const named = new Set<string>();
    for (const file of READER_FILES) {
      const text = readFileSync(nodePath.join(import.meta.dirname, "../src/upstream", file), "utf8");
      for (const [name] of text.matchAll(/\bpg_[a-z_]+\b/g)) if (!NOT_READ.has(name)) named.add(name);
    }
    expect(named.size).toBeGreaterThan(10);
    const missing = [...named].filter(
      (name) => !(FINGERPRINTED_CATALOGS as readonly string[]).includes(name),
    );
    expect(missing).toEqual([]);
  });
});
