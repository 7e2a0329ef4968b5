import type { ColumnSource, RelationCatalog, Sources } from "@sluice/sql/column-lineage";

/**
 * How a column name resolves in a MySQL query's namespace: levels of FROM items, innermost first.
 * MySQL has no whole-row references and no attribute notation, so a name is a column of some item
 * or an error the server raises; names fold case (column names are case-insensitive).
 */

export const UNKNOWN: Sources = Object.freeze({ isUnknown: true, columns: [] });
export const NOTHING: Sources = Object.freeze({ isUnknown: false, columns: [] });

/** An output column of a query, a derived table or a CTE; `name` lower-cased. */
export type Column = { name: string; sources: Sources };

export type Item = {
  /** The name the item answers to (its alias, else its table name), lower-cased. */
  refname: string;
  /** The item's columns when known (derived tables, CTEs); null for a relation read by name. */
  columns: Column[] | null;
  /** What `name` reads from this item, or null when it is not one of its columns. */
  column: (name: string) => Sources | null;
  /** Every column of the item (`t.*`, or a name Sluice cannot place). */
  wholeRow: Sources;
};

export type Level = { items: Item[] };

export function union(parts: readonly Sources[]): Sources {
  if (parts.some((part) => part.isUnknown)) return UNKNOWN;
  const columns = parts.flatMap((part) => part.columns);
  return columns.length === 0 ? NOTHING : { isUnknown: false, columns };
}

/** An item whose columns are a query's outputs; null outputs: nothing about it is known. */
export function queryItem(refname: string, outputs: Column[] | null): Item {
  if (outputs === null) return unknownItem(refname);
  return {
    refname: refname.toLowerCase(),
    columns: outputs,
    column: (name) => {
      const found = outputs.filter((column) => column.name === name.toLowerCase());
      return found.length > 0 ? union(found.map((column) => column.sources)) : null;
    },
    wholeRow: union(outputs.map((column) => column.sources)),
  };
}

/** A relation Sluice cannot see into (a table function, a name the catalog refuses): anything. */
export function unknownItem(refname: string): Item {
  return { refname: refname.toLowerCase(), columns: null, column: () => UNKNOWN, wholeRow: UNKNOWN };
}

/**
 * A relation read by name: every relation the catalog says it may be (the union is the safe
 * reading). Without listed columns any name may be one of them; with them, only those.
 */
export function relationItem(
  catalog: RelationCatalog | null,
  schema: string | null,
  name: string,
  alias: string | null,
): Item {
  const relations = catalog?.relationsNamed(schema, name) ?? null;
  if (relations === null || relations.length === 0) return unknownItem(alias ?? name);
  return {
    refname: (alias ?? name).toLowerCase(),
    columns: null,
    column: (column) => {
      const sources: ColumnSource[] = [];
      for (const relation of relations) {
        const actual =
          relation.columns === null
            ? column.toLowerCase()
            : relation.columns.find((candidate) => candidate.toLowerCase() === column.toLowerCase());
        if (actual !== undefined)
          sources.push({ schema: relation.schema, table: relation.table, column: actual });
      }
      return sources.length > 0 ? { isUnknown: false, columns: sources } : null;
    },
    wholeRow: {
      isUnknown: false,
      columns: relations.map((relation) => ({
        schema: relation.schema,
        table: relation.table,
        column: null,
      })),
    },
  };
}

/**
 * A column reference as the server resolves it: `t.c` is column c of the nearest item called t;
 * a bare name is a column of the nearest level that has one (every candidate there, an ambiguous
 * name being the server's error). What cannot be placed is unknown.
 */
export function resolveColumn(table: string | null, column: string, scope: readonly Level[]): Sources {
  for (let depth = scope.length - 1; depth >= 0; depth--) {
    const items = (scope[depth] as Level).items;
    if (table !== null) {
      const named = items.filter((item) => item.refname === table.toLowerCase());
      if (named.length > 0) return union(named.map((item) => item.column(column) ?? UNKNOWN));
      continue;
    }
    const found = items.flatMap((item) => {
      const sources = item.column(column);
      return sources ? [sources] : [];
    });
    if (found.length > 0) return union(found);
  }
  return UNKNOWN;
}

/** `*` or `t.*`: the columns it expands to when known, and what they read. */
export function expandStar(
  table: string | null,
  scope: readonly Level[],
): { columns: Column[] | null; sources: Sources } {
  const level = scope.at(-1);
  const items = (level?.items ?? []).filter((item) => table === null || item.refname === table.toLowerCase());
  if (items.length === 0) return { columns: null, sources: UNKNOWN };
  const sources = union(items.map((item) => item.wholeRow));
  if (items.some((item) => item.columns === null)) return { columns: null, sources };
  return { columns: items.flatMap((item) => item.columns as Column[]), sources };
}
