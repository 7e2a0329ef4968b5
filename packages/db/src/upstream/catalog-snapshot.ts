import { type CatalogSnapshot, catalogSnapshot } from "@sluice/policy/column-catalog";
import type { CatalogColumn, ColumnCatalog } from "./column-catalog";

/**
 * One catalog read as the decision point sees it (lineage, column rules, the owner's code). The
 * gateway and the console's try box build it here alike, so both judge a statement the same way.
 */
export function upstreamCatalogSnapshot(catalog: ColumnCatalog, readAt: number): CatalogSnapshot {
  return catalogSnapshot(
    catalog.columns,
    catalog.code,
    readAt,
    familiesByName(catalog.columns, catalog.families),
  );
}

/** The families as the policy's snapshot keeps them: `schema.table` → the others' names. */
function familiesByName(columns: readonly CatalogColumn[], families: readonly number[][]) {
  const names = new Map<number, string>();
  for (const column of columns) names.set(column.tableOid, `${column.schema}.${column.table}`);
  const out = new Map<string, string[]>();
  for (const family of families) {
    const named = family.map((oid) => names.get(oid)).filter((name) => name !== undefined);
    for (const name of named)
      out.set(
        name,
        named.filter((other) => other !== name),
      );
  }
  return out;
}
