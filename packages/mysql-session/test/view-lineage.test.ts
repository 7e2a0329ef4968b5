import { describe, expect, it } from "vitest";
import { catalogOf } from "../src/upstream-catalog";
import { isCleanTrace } from "../src/view-lineage";

const TABLES = [
  { schema: "shop", table: "employees", type: "BASE TABLE" },
  { schema: "shop", table: "departments", type: "BASE TABLE" },
];
const SELECTORS = ["*.employees.email"];

/** A catalog with these views (name → definition and column names), as information_schema lists them. */
function catalogWith(views: Record<string, { definition: string | null; columns: string[] }>) {
  const entries = Object.entries(views);
  return catalogOf(
    [...TABLES, ...entries.map(([view]) => ({ schema: "shop", table: view, type: "VIEW" }))],
    Date.now(),
    entries.map(([view, { definition }]) => ({ schema: "shop", view, definition })),
    entries.flatMap(([view, { columns }]) =>
      columns.map((column, index) => ({ schema: "shop", view, column, position: index + 1 })),
    ),
  );
}

const cleanColumns = (catalog: ReturnType<typeof catalogOf>, view: string) => {
  const trace = catalog.views.get(`shop.${view}`);
  return trace
    ? Object.fromEntries([...trace].map(([column, sources]) => [column, isCleanTrace(sources, SELECTORS)]))
    : null;
};

describe("view lineage", () => {
  it("traces each column through views over views to the stored columns", () => {
    const catalog = catalogWith({
      v_contacts: {
        definition:
          "select `shop`.`employees`.`id` AS `id`,`shop`.`employees`.`email` AS `contact` from `shop`.`employees`",
        columns: ["id", "contact"],
      },
      v_nested: {
        definition: "select `v_contacts`.`id` AS `ID`,`v_contacts`.`contact` AS `c` from `shop`.`v_contacts`",
        columns: ["ID", "c"],
      },
    });
    expect(cleanColumns(catalog, "v_contacts")).toEqual({ id: true, contact: false });
    expect(cleanColumns(catalog, "v_nested")).toEqual({ id: true, c: false });
  });

  it.each([
    ["no definition (no SHOW VIEW)", { v: { definition: null, columns: ["a"] } }],
    [
      "a stored function, which can read any table",
      {
        v: { definition: "select `shop`.`f`(`d`.`id`) AS `a` from `shop`.`departments` `d`", columns: ["a"] },
      },
    ],
    [
      "a relation the catalog does not know",
      { v: { definition: "select `x`.`a` AS `a` from `shop`.`x`", columns: ["a"] } },
    ],
    [
      "columns that do not line up with the definition",
      { v: { definition: "select `d`.`id` AS `id` from `shop`.`departments` `d`", columns: ["id", "name"] } },
    ],
    [
      "views that read each other",
      {
        v: { definition: "select `w`.`a` AS `a` from `shop`.`w`", columns: ["a"] },
        w: { definition: "select `v`.`a` AS `a` from `shop`.`v`", columns: ["a"] },
      },
    ],
  ])("is untraceable with %s: no column is clean, whatever the rules", (_name, views) => {
    const trace = catalogWith(views).views.get("shop.v") ?? null;
    const isAnyClean = trace !== null && [...trace.values()].some((sources) => isCleanTrace(sources, []));
    expect(isAnyClean).toBe(false);
  });

  it("a view and a table whose names differ only in case are not traced", () => {
    const catalog = catalogOf(
      [...TABLES, { schema: "shop", table: "Employees", type: "VIEW" }],
      Date.now(),
      [{ schema: "shop", view: "Employees", definition: "select 1 AS `a`" }],
      [{ schema: "shop", view: "Employees", column: "a", position: 1 }],
    );
    expect(catalog.views.get("shop.employees") ?? null).toBeNull();
  });
});
