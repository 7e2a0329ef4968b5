/**
 * How a name resolves in a query's namespace, as the server's parse analysis resolves it
 * (parse_relation.c, parse_expr.c): levels of FROM items, innermost first, each visible by
 * relation name, by column name, or both.
 */
import type { Sources } from "./column-lineage";

export type Node = Record<string, unknown>;

export const UNKNOWN: Sources = Object.freeze({ isUnknown: true, columns: [] });
export const NOTHING: Sources = Object.freeze({ isUnknown: false, columns: [] });

/**
 * A column of a range entry. `name` null: the server derives a name Sluice does not (or the
 * relation's column list is unknown), so the column may answer to any name.
 */
export type Column = { name: string | null; sources: Sources };

/** A FROM item as the server's namespace holds it (parse_relation.c's ParseNamespaceItem). */
export type Item = {
  refname: string | null;
  isRelVisible: boolean;
  isColsVisible: boolean;
  /** Null: the column list is not known; any name may be a column, computed from `wholeRow`. */
  columns: Column[] | null;
  wholeRow: Sources;
  /** Relations whose column names are a guess: `alias.name` may be attribute notation, `name(alias)`. */
  isGuessed: boolean;
  /** Without a column list: what a name would read if it were a column (absent: the whole row). */
  guess?: (name: string) => Sources;
};

export type Level = { items: Item[] };
/** `*` or `t.*` in a select list: the columns it expands to, or null when their number is unknown. */
export function expandStar(fields: unknown[], scope: Level[]): Column[] | null {
  const level = scope.at(-1);
  if (!level) return null;
  if (fields.length === 1) {
    const visible = level.items.filter((item) => item.isColsVisible);
    if (visible.some((item) => item.columns === null)) return null;
    return visible.flatMap((item) => item.columns as Column[]);
  }
  const items = itemsNamed(fieldNames(fields.slice(0, -1)), scope);
  if (items.length !== 1) return null;
  return (items[0] as Item).columns;
}

export function starSources(fields: unknown[], scope: Level[]): Sources {
  if (fields.length === 1) {
    const level = scope.at(-1);
    return level
      ? union(
          level.items.filter((item) => item.isColsVisible || item.isRelVisible).map((item) => item.wholeRow),
        )
      : UNKNOWN;
  }
  const items = itemsNamed(fieldNames(fields.slice(0, -1)), scope);
  return items.length > 0 ? union(items.map((item) => item.wholeRow)) : UNKNOWN;
}

/** Items a qualified name's relation part may refer to, innermost level first found. */
export function itemsNamed(qualifier: string[], scope: Level[]): Item[] {
  const refname = qualifier.at(-1);
  for (let depth = scope.length - 1; depth >= 0; depth--) {
    const hits = (scope[depth] as Level).items.filter(
      (item) => item.isRelVisible && item.refname === refname,
    );
    if (hits.length > 0) return hits;
  }
  return [];
}

/**
 * What a ColumnRef reads, resolved as transformColumnRef does (parse_expr.c): one name is a column
 * of the nearest level that has one, else a whole row; `a.b` is column b of item a, else the
 * function b applied to a's whole row, else field b of column a; longer names are taken every way
 * they can be read.
 */
export function columnRef(fields: unknown[], scope: Level[]): Sources {
  const isStar = Boolean(asNode(fields.at(-1))["A_Star"]);
  if (isStar) return starSources(fields, scope);
  const names = fieldNames(fields);
  if (names.length === 1) return bareName(names[0] as string, scope);
  const readings: Sources[] = [];
  // Item, then column (or attribute notation) — for `a.b`, `s.a.b`, `d.s.a.b`.
  for (let at = 0; at < names.length - 1 && at < 3; at++) {
    const items = itemsNamed([names[at] as string], scope);
    for (const item of items) readings.push(columnOf(item, names[at + 1] as string));
  }
  // Column, then field selections or functions on it (`a.b` with a a composite column).
  const asColumn = bareColumn(names[0] as string, scope);
  if (asColumn) readings.push(asColumn);
  return readings.length > 0 ? union(readings) : UNKNOWN;
}

/** Column `name` of one item; when it may not be one, the function `name(item)` on the whole row. */
function columnOf(item: Item, name: string): Sources {
  if (item.columns === null) return item.wholeRow;
  const hits = item.columns.filter((column) => column.name === name || column.name === null);
  const isCertain = item.columns.some((column) => column.name === name);
  if (!isCertain || item.isGuessed) hits.push({ name, sources: item.wholeRow });
  return union(hits.map((column) => column.sources));
}

function bareName(name: string, scope: Level[]): Sources {
  const asColumn = bareColumn(name, scope);
  if (asColumn && !asColumn.isUncertain) return asColumn;
  const rows = itemsNamed([name], scope).map((item) => item.wholeRow);
  const readings = [...(asColumn ? [asColumn] : []), ...rows];
  return readings.length > 0 ? union(readings) : UNKNOWN;
}

/**
 * A bare name as a column (colNameToVar): the innermost level where some item has it. Names that
 * may or may not be columns there are taken too, and the search goes on outwards.
 */
function bareColumn(name: string, scope: Level[]): (Sources & { isUncertain: boolean }) | null {
  const found: Sources[] = [];
  for (let depth = scope.length - 1; depth >= 0; depth--) {
    let isCertain = false;
    for (const item of (scope[depth] as Level).items) {
      if (!item.isColsVisible) continue;
      if (item.columns === null) {
        found.push(item.guess ? item.guess(name) : item.wholeRow);
        continue;
      }
      for (const column of item.columns) {
        if (column.name === name) {
          isCertain = true;
          found.push(column.sources);
        } else if (column.name === null) found.push(column.sources);
      }
    }
    if (isCertain) return { ...union(found), isUncertain: false };
  }
  return found.length > 0 ? { ...union(found), isUncertain: true } : null;
}

export function union(parts: readonly Sources[]): Sources {
  if (parts.some((part) => part.isUnknown)) return UNKNOWN;
  const nonEmpty = parts.filter((part) => part.columns.length > 0);
  if (nonEmpty.length === 0) return NOTHING;
  if (nonEmpty.length === 1) return nonEmpty[0] as Sources;
  return { isUnknown: false, columns: nonEmpty.flatMap((part) => part.columns) };
}

export function fieldNames(fields: unknown[]): string[] {
  return fields.map((field) => stringValue(asNode(asNode(field)["String"])["sval"]));
}

export function fieldText(fields: unknown[]): string {
  return fields
    .map((field) => (asNode(field)["A_Star"] ? "*" : stringValue(asNode(asNode(field)["String"])["sval"])))
    .join(".");
}

/**
 * What a missing node or list reads as: one frozen empty value, not one allocated per call (the walk
 * asks for absent fields of most nodes it visits). Frozen, so a write to it throws.
 */
const NO_NODE: Node = Object.freeze({}) as Node;
const NO_LIST: unknown[] = Object.freeze([]) as unknown as unknown[];

export function asNode(value: unknown): Node {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Node) : NO_NODE;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : NO_LIST;
}

export function stringValue(value: unknown): string {
  return typeof value === "string" ? value : "";
}
