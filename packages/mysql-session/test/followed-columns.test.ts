import { describe, expect, it } from "vitest";
import { followedColumnsOf } from "../src/followed-columns";
import { catalogOf } from "../src/upstream-catalog";

const TABLES = [
  { schema: "shop", table: "employees", type: "BASE TABLE" },
  { schema: "shop", table: "departments", type: "BASE TABLE" },
];

type ViewSpec = { definition: string | null; columns: string[] };

/** A catalog with these views, listed in the given order (the order the catalog read returns them). */
function catalogWith(views: Array<[string, ViewSpec]>) {
  return catalogOf(
    [...TABLES, ...views.map(([view]) => ({ schema: "shop", table: view, type: "VIEW" }))],
    Date.now(),
    views.map(([view, { definition }]) => ({ schema: "shop", view, definition })),
    views.flatMap(([view, { columns }]) =>
      columns.map((column, index) => ({ schema: "shop", view, column, position: index + 1 })),
    ),
  );
}

const readsOf = (views: Array<[string, ViewSpec]>, view: string) =>
  followedColumnsOf(catalogWith(views)).viewReads.get(`shop.${view}`);

/** v1 over departments, each v(n) over v(n-1). */
const chain = (length: number): Array<[string, ViewSpec]> =>
  Array.from({ length }, (_, i) => [
    `v${i + 1}`,
    {
      definition:
        i === 0
          ? "select `shop`.`departments`.`id` AS `id` from `shop`.`departments`"
          : `select \`shop\`.\`v${i}\`.\`id\` AS \`id\` from \`shop\`.\`v${i}\``,
      columns: ["id"],
    },
  ]);

describe("followedColumnsOf: what each view reads, for review and COLUMN rules", () => {
  it("gives every stored column a view reads, through views over views", () => {
    const views: Array<[string, ViewSpec]> = [
      [
        "pay",
        {
          definition:
            "select `shop`.`employees`.`id` AS `id`,`shop`.`employees`.`Salary` AS `s` from `shop`.`employees`",
          columns: ["id", "s"],
        },
      ],
      ["pay2", { definition: "select `shop`.`pay`.`s` * 2 AS `s2` from `shop`.`pay`", columns: ["s2"] }],
    ];
    expect(readsOf(views, "pay")).toEqual([
      { schema: "shop", table: "employees", column: "id" },
      { schema: "shop", table: "employees", column: "salary" },
    ]);
    expect(readsOf(views, "pay2")).toEqual([{ schema: "shop", table: "employees", column: "salary" }]);
  });

  it.each([
    ["no definition", { definition: null, columns: ["a"] }, "lacks SHOW VIEW"],
    [
      "a stored function",
      { definition: "select `shop`.`f`(`d`.`id`) AS `a` from `shop`.`departments` `d`", columns: ["a"] },
      "shop.f(), which is not a known built-in",
    ],
    [
      "an unreadable definition",
      { definition: "select from where", columns: ["a"] },
      "cannot read its definition",
    ],
  ])("counts a view with %s as reading every column, saying why", (_name, spec, why) => {
    const reads = readsOf([["v", spec]], "v") as { whyOpaque: string };
    expect(reads.whyOpaque).toContain(why);
    const over = readsOf(
      [
        ["v", spec],
        ["w", { definition: "select `shop`.`v`.`a` AS `a` from `shop`.`v`", columns: ["a"] }],
      ],
      "w",
    ) as { whyOpaque: string };
    expect(over.whyOpaque).toContain("it reads view shop.v, which Sluice cannot trace");
    expect(over.whyOpaque).toContain(why);
  });

  it("traces 32 views over views and no more, whichever the catalog lists first", () => {
    for (const views of [chain(40), chain(40).reverse()]) {
      expect(Array.isArray(readsOf(views, "v32"))).toBe(true);
      expect(readsOf(views, "v33")).toEqual({ whyOpaque: "it nests deeper than 32 views" });
      expect((readsOf(views, "v40") as { whyOpaque: string }).whyOpaque).toContain("deeper than 32 views");
    }
  });

  it("counts every relation as an opaque view when the catalog could not be read", () => {
    expect(followedColumnsOf(null).viewReads.unknownBecause).toBe("the upstream's catalog could not be read");
  });
});

describe("followedColumnsOf: what each table's triggers write, for TABLE rules on writes", () => {
  const trigger = (table: string, trigger: string, body: string | null) => ({
    schema: "shop",
    trigger,
    table,
    timing: "AFTER",
    event: "INSERT",
    body,
  });
  const withTriggers = (triggers: ReturnType<typeof trigger>[]) =>
    followedColumnsOf(
      catalogOf(TABLES, Date.now(), [], [], {
        triggers,
        columns: [
          {
            schema: "shop",
            table: "departments",
            column: "code",
            defaultValue: "uuid()",
            generation: null,
            extra: "",
          },
        ],
      }),
    ).ownerWrites;

  it("lists the tables each trigger writes, in the trigger's database unless named", () => {
    const writes = withTriggers([
      trigger("employees", "e_purge", "DELETE FROM departments WHERE id = NEW.id"),
      trigger("Departments", "d_log", "INSERT INTO other.log VALUES (NEW.id)"),
    ]);
    expect(writes?.get("shop.employees")).toEqual([
      {
        source: "trigger e_purge (AFTER INSERT)",
        via: "shop.employees",
        writes: ["shop.departments"],
        calls: [],
      },
    ]);
    // Keys are case-folded, as the catalog's relations are; a column's DEFAULT is no trigger.
    expect(writes?.get("shop.departments")).toEqual([
      { source: "trigger d_log (AFTER INSERT)", via: "shop.Departments", writes: ["other.log"], calls: [] },
    ]);
  });

  it("keeps why a body cannot be read, and knows nothing without the catalog", () => {
    const writes = withTriggers([trigger("employees", "e_call", "CALL purge_orders(NEW.id)")]);
    const [piece] = writes?.get("shop.employees") ?? [];
    expect(piece && "whyUnjudged" in piece).toBe(true);
    // MariaDB withholds the body from a login without TRIGGER on the table.
    const [withheld] =
      withTriggers([{ ...trigger("employees", "e_hidden", ""), body: null }])?.get("shop.employees") ?? [];
    expect(withheld).toEqual({
      source: "trigger e_hidden (AFTER INSERT)",
      via: "shop.employees",
      whyUnjudged:
        "the server withholds its body from the brokered login, which lacks the TRIGGER privilege on the table",
    });
    expect(followedColumnsOf(null).ownerWrites?.unknownBecause).toBe(
      "the upstream's catalog could not be read",
    );
    const withoutCode = followedColumnsOf(catalogOf(TABLES, Date.now()));
    expect(withoutCode.ownerWrites?.unknownBecause).toMatch(/did not include the upstream's triggers/);
  });
});
