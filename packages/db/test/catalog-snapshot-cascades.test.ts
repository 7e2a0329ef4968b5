import type { UpstreamCode } from "@sluice/policy/upstream-code";
import { describe, expect, it } from "vitest";
import { upstreamCatalogSnapshot } from "../src/upstream/catalog-snapshot";
import type { CatalogColumn } from "../src/upstream/column-catalog";

const column = (tableOid: number, table: string): CatalogColumn => ({
  tableOid,
  attnum: 1,
  schema: "public",
  table,
  column: "id",
  isView: false,
});

describe("foreign keys' cascades in the policy's snapshot", () => {
  it("follows cascading keys transitively, and every key for TRUNCATE … CASCADE", () => {
    const snapshot = upstreamCatalogSnapshot(
      {
        columns: [column(1, "customers"), column(2, "orders"), column(3, "notes"), column(4, "tags")],
        code: {} as UpstreamCode,
        structure: [],
        families: [],
        viewReads: new Map(),
        foreignKeys: [
          // orders → customers ON DELETE CASCADE; notes → orders SET NULL; tags → customers RESTRICT.
          { referenced: 1, referencing: 2, changes: true },
          { referenced: 2, referencing: 3, changes: true },
          { referenced: 1, referencing: 4, changes: false },
          // A cycle ends.
          { referenced: 3, referencing: 1, changes: true },
        ],
      },
      0,
    );
    const customers = snapshot.cascades?.get("public.customers");
    expect([...(customers?.changes ?? [])].sort()).toEqual(["public.notes", "public.orders"]);
    expect([...(customers?.truncates ?? [])].sort()).toEqual([
      "public.notes",
      "public.orders",
      "public.tags",
    ]);
    expect(snapshot.cascades?.get("public.tags")).toBeUndefined();
  });
});
