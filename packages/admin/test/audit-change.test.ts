import { auditFieldChanges } from "@sluice/admin/audit-change";
import { describe, expect, it } from "vitest";

describe("auditFieldChanges", () => {
  it("lists only the fields that changed, by dotted path", () => {
    expect(
      auditFieldChanges(
        { name: "shop", port: 5432, tls: { mode: "PREFER", ca: null }, groups: ["a"] },
        { name: "shop", port: 5433, tls: { mode: "VERIFY_FULL", ca: null }, groups: ["a", "b"] },
      ),
    ).toEqual([
      { path: "groups", before: ["a"], after: ["a", "b"] },
      { path: "port", before: 5432, after: 5433 },
      { path: "tls.mode", before: "PREFER", after: "VERIFY_FULL" },
    ]);
  });

  it("shows a creation as every field with nothing before, a deletion the other way round", () => {
    expect(auditFieldChanges(null, { name: "g", kind: "READ_ONLY" })).toEqual([
      { path: "kind", before: undefined, after: "READ_ONLY" },
      { path: "name", before: undefined, after: "g" },
    ]);
    expect(auditFieldChanges({ name: "g" }, undefined)).toEqual([
      { path: "name", before: "g", after: undefined },
    ]);
  });

  it("compares a value that changes shape whole", () => {
    expect(auditFieldChanges({ match: "x" }, { match: { kinds: ["DROP"] } })).toEqual([
      { path: "match", before: "x", after: { kinds: ["DROP"] } },
    ]);
    expect(auditFieldChanges(1, 2)).toEqual([{ path: "(value)", before: 1, after: 2 }]);
    expect(auditFieldChanges({ a: 1 }, { a: 1 })).toEqual([]);
  });
});
