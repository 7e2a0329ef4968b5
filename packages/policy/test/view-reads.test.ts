import { describe, expect, it } from "vitest";
import {
  unknownViewReads,
  type ViewRead,
  type ViewReads,
  type ViewSource,
  viewReach,
  viewReaches,
} from "../src/view-reads";

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

describe("viewReach", () => {
  const folded: ViewReads = Object.assign(
    new Map<string, ViewRead>([
      ["shop.pay", [{ schema: "shop", table: "employees", column: "salary" }]],
      ["shop.opaque", { whyOpaque: "it calls f(), which is not a known built-in" }],
    ]),
    { isCaseFolded: true },
  );

  it("looks MySQL names up in any case", () => {
    expect(viewReach(folded, "Shop.PAY", isSalary)).toEqual({ why: null });
    expect(viewReach(VIEWS, "public.PAY", isSalary)).toBeNull();
  });

  it("says why an opaque view reaches every column", () => {
    expect(viewReach(folded, "shop.opaque", () => false)).toEqual({
      why: "view shop.opaque counts as reading every column: it calls f(), which is not a known built-in",
    });
  });

  it("counts every relation as such a view when the catalog is unknown", () => {
    expect(
      viewReach(unknownViewReads("the catalog could not be read"), "shop.departments", () => false),
    ).toEqual({ why: "shop.departments may be a view reading any column: the catalog could not be read" });
  });
});
