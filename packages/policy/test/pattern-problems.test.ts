import { guardrailMatchProblem, reviewMatchProblem } from "@sluice/policy/rules";
import { describe, expect, it } from "vitest";
import { columnPatternProblem, matchesTablePattern, tablePatternProblem } from "../src/patterns";

/** Names a pattern is meant for, to show every pattern let through matches one of them. */
const NAMES = ["public.employees", "hr.employees", "public.emp", "hr.salaries"];

describe("table and column patterns that can never match are refused where rules are written", () => {
  it.each(["*", "employees", "public.employees", "public.*", "hr.salaries"])(
    "accepts %s, which matches a name",
    (pattern) => {
      expect(tablePatternProblem(pattern)).toBeNull();
      expect(NAMES.some((name) => matchesTablePattern(name, pattern))).toBe(true);
    },
  );

  it.each([
    "*.employees",
    "emp*",
    "public.emp*",
    "db.public.employees",
    "public.",
    ".employees",
    "*.*",
    "p*.employees",
  ])("refuses %s, which matches nothing", (pattern) => {
    expect(tablePatternProblem(pattern)).toMatch(/never matches: a table pattern is table, schema.table/);
    expect(NAMES.some((name) => matchesTablePattern(name, pattern))).toBe(false);
  });

  it.each(["salary", "*", "employees.salary", "public.employees.salary", "public.*.salary", "employees.*"])(
    "accepts the column pattern %s",
    (pattern) => expect(columnPatternProblem(pattern)).toBeNull(),
  );

  it.each([
    ["*.employees.salary", /its table part/],
    ["public.employees.sal*", /a column is named exactly/],
    ["employees.", /a column is named exactly/],
    ["a.b.c.salary", /its table part/],
  ])("refuses the column pattern %s", (pattern, why) => expect(columnPatternProblem(pattern)).toMatch(why));

  it("puts the problem on the guardrail's field", () => {
    expect(guardrailMatchProblem("TABLE", "DENY", { tables: ["orders", "*.employees"] })).toEqual({
      field: "tables",
      message: expect.stringContaining('"*.employees" never matches'),
    });
    expect(guardrailMatchProblem("COLUMN", "DENY", { columns: ["*.employees.salary"] })).toMatchObject({
      field: "columns",
    });
    expect(guardrailMatchProblem("TABLE", "ALLOW", { tables: ["public.*"] })).toBeNull();
  });

  it("puts the problem on the review rule's field", () => {
    expect(reviewMatchProblem({ tables: ["emp*"] })).toMatchObject({ field: "tables" });
    expect(reviewMatchProblem({ columns: ["*.employees.salary"] })).toMatchObject({ field: "columns" });
    expect(
      reviewMatchProblem({ kinds: ["DELETE"], tables: ["employees"], columns: ["salary"] } as never),
    ).toBeNull();
  });
});
