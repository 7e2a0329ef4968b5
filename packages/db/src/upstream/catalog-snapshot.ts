import { type CatalogSnapshot, catalogSnapshot } from "@sluice/policy/column-catalog";
import { foreignKeyCascades } from "@sluice/policy/foreign-key-cascades";
import type { ViewReads, ViewSource } from "@sluice/policy/view-reads";
import type { CatalogColumn, ColumnCatalog, ForeignKeyEdge } from "./column-catalog";

/**
 * One catalog read as the decision point sees it (lineage, column rules, the owner's code). The
 * gateway and the console's try box build it here alike, so both judge a statement the same way.
 */
export function upstreamCatalogSnapshot(catalog: ColumnCatalog, readAt: number): CatalogSnapshot {
  const snapshot = catalogSnapshot(
    catalog.columns,
    catalog.code,
    readAt,
    familiesByName(catalog.columns, catalog.families),
    viewReadsByName(catalog),
    cascadesByName(catalog.columns, catalog.foreignKeys),
  );
  return catalog.systemNames ? { ...snapshot, systemNames: new Set(catalog.systemNames) } : snapshot;
}

/** The foreign keys named as the policy's snapshot keeps relations (`schema.table`). */
function cascadesByName(columns: readonly CatalogColumn[], keys: readonly ForeignKeyEdge[]) {
  const names = new Map<number, string>();
  for (const column of columns) names.set(column.tableOid, `${column.schema}.${column.table}`);
  // A table the read did not name (created since) is named by its OID: it still covers nothing.
  const name = (oid: number) => names.get(oid) ?? `#${oid}`;
  return foreignKeyCascades(
    keys.map((key) => ({
      referenced: name(key.referenced),
      referencing: name(key.referencing),
      changes: key.changes,
    })),
  );
}

/**
 * Views' inputs named as `schema.table.column`. An input the catalog does not name (a system
 * relation, or an attribute the read did not list) is kept as a whole row of what it can name, and
 * a relation it cannot name at all makes the view opaque: nothing it reads is left out.
 */
function viewReadsByName(catalog: ColumnCatalog): ViewReads {
  const relations = new Map<number, { schema: string; table: string }>();
  const columns = new Map<string, string>();
  for (const column of catalog.columns) {
    relations.set(column.tableOid, { schema: column.schema, table: column.table });
    columns.set(`${column.tableOid}:${column.attnum}`, column.column);
  }
  const out = new Map<string, ViewSource[] | "opaque">();
  for (const [oid, reads] of catalog.viewReads) {
    const view = relations.get(oid);
    if (!view) continue;
    const named: ViewSource[] = [];
    let isOpaque = reads === "opaque";
    for (const read of reads === "opaque" ? [] : reads) {
      const relation = relations.get(read.oid);
      if (!relation) {
        isOpaque = true;
        break;
      }
      named.push({ ...relation, column: columns.get(`${read.oid}:${read.attnum}`) ?? null });
    }
    out.set(`${view.schema}.${view.table}`, isOpaque ? "opaque" : named);
  }
  return out;
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
