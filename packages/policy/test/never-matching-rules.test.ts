import { guardrailPatternProblem, reviewPatternProblem } from "@sluice/policy/never-matching-rules";
import { describe, expect, it } from "vitest";
import { matchesTablePattern } from "../src/patterns";

/** Names the rules below are meant for: a flagged pattern matches none of them. */
const NAMES = ["public.employees", "hr.employees", "public.emp"];

describe("stored rules whose patterns can never match are flagged where they are listed", () => {
  it("flags a stored TABLE guardrail by its first pattern that matches nothing, with why", () => {
    const problem = guardrailPatternProblem("TABLE", { tables: ["orders", "*.employees"], access: "any" });
    expect(problem).toEqual({
      field: "tables",
      message: '"*.employees" never matches: a table pattern is table, schema.table, schema.* or *',
    });
    expect(NAMES.some((name) => matchesTablePattern(name, "*.employees"))).toBe(false);
    expect(guardrailPatternProblem("TABLE", { tables: ["emp*"] })?.message).toMatch(/^"emp\*" never matches/);
  });

  it("flags a stored COLUMN guardrail by its table part or its column", () => {
    expect(guardrailPatternProblem("COLUMN", { columns: ["*.employees.salary"] })).toMatchObject({
      field: "columns",
      message: expect.stringContaining("its table part is not one"),
    });
    expect(guardrailPatternProblem("COLUMN", { columns: ["employees.sal*"] })?.message).toContain(
      "a column is named exactly",
    );
  });

  it("leaves rules that can match, and other kinds, alone", () => {
    expect(guardrailPatternProblem("TABLE", { tables: ["public.*", "employees", "*"] })).toBeNull();
    expect(guardrailPatternProblem("COLUMN", { columns: ["public.employees.salary", "salary"] })).toBeNull();
    // Only TABLE and COLUMN rules read their patterns as table names.
    expect(guardrailPatternProblem("STATEMENT_KIND", { kinds: ["DROP"], tables: ["*.x"] })).toBeNull();
  });

  it("reads the match as the store keeps it: any JSON, the kind's schema judging the rest", () => {
    for (const match of [null, "*.employees", ["*.employees"], {}, { tables: "*.employees" }]) {
      expect(guardrailPatternProblem("TABLE", match)).toBeNull();
      expect(reviewPatternProblem(match)).toBeNull();
    }
  });

  it("flags a stored review rule by its tables, then its columns; an HTTP match has neither", () => {
    expect(reviewPatternProblem({ kinds: ["DELETE"], tables: ["emp*"] })).toMatchObject({ field: "tables" });
    expect(reviewPatternProblem({ tables: ["employees"], columns: ["*.employees.salary"] })).toMatchObject({
      field: "columns",
    });
    expect(reviewPatternProblem({ kinds: ["DELETE"], tables: ["hr.employees"] })).toBeNull();
    expect(reviewPatternProblem({ methods: ["DELETE"], path: "/employees/*" })).toBeNull();
  });
});
