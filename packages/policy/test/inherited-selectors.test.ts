import { catalogSnapshot } from "@sluice/policy/column-catalog";
import { inheritanceFamilies, withInheritedSelectors } from "@sluice/policy/inherited-selectors";
import { describe, expect, it } from "vitest";

const column = (table: string, name: string, attnum: number) => ({
  schema: "public",
  table,
  column: name,
  attnum,
  isView: false,
});
const ROWS = [
  column("customers", "id", 1),
  column("customers", "ssn", 2),
  column("vip", "id", 1),
  column("vip", "ssn", 2),
  column("vip", "tier", 3),
  column("orders", "id", 1),
];
const families = new Map([
  ["public.customers", ["public.vip"]],
  ["public.vip", ["public.customers"]],
]);

describe("inheritance families", () => {
  it("joins parents, children and grandchildren into one family, and leaves loners out", () => {
    const found = inheritanceFamilies([
      { child: 2, parent: 1 },
      { child: 3, parent: 2 },
      { child: 5, parent: 4 },
    ]).map((family) => [...family].sort());
    expect(found).toEqual(
      expect.arrayContaining([
        [1, 2, 3],
        [4, 5],
      ]),
    );
    expect(found).toHaveLength(2);
  });

  it("a rule on the parent masks the child's column of that name, and the other way round", () => {
    const snapshot = catalogSnapshot(ROWS, undefined, 0, families);
    expect(withInheritedSelectors(["public.customers.ssn"], snapshot)).toEqual([
      "public.customers.ssn",
      "public.vip.ssn",
    ]);
    expect(withInheritedSelectors(["public.vip.ssn"], snapshot)).toEqual([
      "public.vip.ssn",
      "public.customers.ssn",
    ]);
    // A column only the child has stays the child's.
    expect(withInheritedSelectors(["public.vip.tier"], snapshot)).toEqual(["public.vip.tier"]);
  });

  it("changes nothing without families or without a snapshot", () => {
    expect(withInheritedSelectors(["public.customers.ssn"], catalogSnapshot(ROWS))).toEqual([
      "public.customers.ssn",
    ]);
    expect(withInheritedSelectors(["public.customers.ssn"], null)).toEqual(["public.customers.ssn"]);
  });
});
