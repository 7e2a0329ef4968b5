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

describe("generated columns", () => {
  const rows = [
    column("patients", "id", 1),
    column("patients", "ssn", 2),
    { ...column("patients", "ssn_digits", 3), computedFrom: [2] },
    { ...column("patients", "id_text", 4), computedFrom: [1] },
    { ...column("patients", "shout", 5), computedFrom: "opaque" as const },
    { ...column("vip", "ssn_tail", 3), computedFrom: [2] },
  ];
  const snapshot = catalogSnapshot(
    [...rows, column("vip", "id", 1), column("vip", "ssn", 2)],
    undefined,
    0,
    new Map([
      ["public.patients", ["public.vip"]],
      ["public.vip", ["public.patients"]],
    ]),
  );

  it("cover a column computed from a covered one, or by user code, and not the others", () => {
    const selectors = withInheritedSelectors(["public.patients.ssn"], snapshot);
    expect(selectors).toContain("public.patients.ssn_digits");
    expect(selectors).toContain("public.patients.shout");
    expect(selectors).not.toContain("public.patients.id_text");
    // Through the family first: vip.ssn is covered, so is what vip computes from it.
    expect(selectors).toContain("public.vip.ssn_tail");
  });

  it("leave selectors alone where nothing is generated", () => {
    expect(withInheritedSelectors(["public.orders.id"], catalogSnapshot(ROWS))).toEqual(["public.orders.id"]);
  });
});
