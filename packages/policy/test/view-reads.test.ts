import { describe, expect, it } from "vitest";
import { type ViewReads, type ViewSource, viewReaches } from "../src/view-reads";

const VIEWS: ViewReads = new Map<string, readonly ViewSource[] | "opaque">([
  ["public.pay", [{ schema: "public", table: "employees", column: "salary" }]],
  ["public.pay_of_pay", [{ schema: "public", table: "pay", column: "salary" }]],
  ["public.loop_a", [{ schema: "public", table: "loop_b", column: "x" }]],
  ["public.loop_b", [{ schema: "public", table: "loop_a", column: "x" }]],
  ["public.shouted", "opaque"],
]);
const isSalary = (source: { table: string; column: string | null }) =>
  source.table === "employees" && (source.column === null || source.column === "salary");

describe("viewReaches", () => {
  it("follows views over views to the column", () => {
    expect(viewReaches(VIEWS, "public.pay", isSalary)).toBe(true);
    expect(viewReaches(VIEWS, "public.pay_of_pay", isSalary)).toBe(true);
  });

  it("counts a view calling user code as reaching anything, and ends on cycles", () => {
    expect(viewReaches(VIEWS, "public.shouted", isSalary)).toBe(true);
    expect(viewReaches(VIEWS, "public.loop_a", isSalary)).toBe(false);
  });

  it("reaches nothing for a table or without the catalog", () => {
    expect(viewReaches(VIEWS, "public.employees", isSalary)).toBe(false);
    expect(viewReaches(undefined, "public.pay", isSalary)).toBe(false);
  });
});
