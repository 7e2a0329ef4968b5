import { matchesSelector } from "@sluice/masking/selector";
import type { CatalogSnapshot } from "./column-catalog";
import { type GeneratedColumns, generatedColumnsOf, isComputedFrom } from "./generated-columns";

/**
 * Relations related by inheritance or partitioning, as families of OIDs: a parent's rows include
 * its children's, and a child's rows are rows of its parent, so a masking rule on a column of one
 * covers the same-named column of every relation in its family (PostgreSQL matches inherited
 * columns by name). Built from pg_inherits' (child, parent) pairs; a family lists every member.
 * @see https://www.postgresql.org/docs/current/ddl-inherit.html
 */
export function inheritanceFamilies(edges: readonly { child: number; parent: number }[]): number[][] {
  const root = new Map<number, number>();
  const find = (oid: number): number => {
    let at = oid;
    while (root.get(at) !== undefined && root.get(at) !== at) at = root.get(at) as number;
    root.set(oid, at);
    return at;
  };
  for (const { child, parent } of edges) {
    if (!root.has(child)) root.set(child, child);
    if (!root.has(parent)) root.set(parent, parent);
    root.set(find(child), find(parent));
  }
  const families = new Map<number, number[]>();
  for (const oid of root.keys()) {
    const top = find(oid);
    families.set(top, [...(families.get(top) ?? []), oid]);
  }
  return [...families.values()].filter((family) => family.length > 1);
}

const expanded = new WeakMap<object, Map<string, readonly string[]>>();

/**
 * The selectors with, for every column of the snapshot one of them covers, the same column of each
 * relation inheriting from, or inherited by, its relation: `public.customers.ssn` also masks
 * `public.vip.ssn` when vip INHERITS customers (and the other way round). Then every generated
 * column computed from a covered column of its row (or by code that is not built in) is covered
 * too: `ssn_digits GENERATED ALWAYS AS (replace(ssn, '-', ''))` is the SSN under another name.
 * Cached per snapshot.
 */
export function withInheritedSelectors(
  selectors: readonly string[],
  snapshot: CatalogSnapshot | null,
  generated: GeneratedColumns | undefined = snapshot?.generated,
): readonly string[] {
  const families = snapshot?.families ?? new Map<string, readonly string[]>();
  if ((families.size === 0 && !generated) || selectors.length === 0) return selectors;
  const cacheOwner = snapshot ?? generated;
  if (!cacheOwner) return selectors;
  const key = selectors.join("\u0000");
  let bySelectors = expanded.get(cacheOwner);
  const cached = bySelectors?.get(key);
  if (cached) return cached;
  const out = new Set(selectors);
  for (const [name, relatives] of families) {
    const relation = snapshot?.relations.get(name);
    if (!relation) continue;
    for (const column of relation.columns) {
      const own = { schema: relation.schema, table: relation.table, column };
      if (!selectors.some((selector) => matchesSelector(selector, own))) continue;
      for (const relative of relatives) {
        if (snapshot?.relations.get(relative)?.columns.includes(column)) out.add(`${relative}.${column}`);
      }
    }
  }
  for (const selector of generatedSelectors([...out], generated)) out.add(selector);
  const result = [...out];
  if (!bySelectors) {
    bySelectors = new Map();
    expanded.set(cacheOwner, bySelectors);
  }
  bySelectors.set(key, result);
  return result;
}

/**
 * A selector for every generated column computed, through any chain of generated columns, from a
 * column the selectors cover, or by code nobody can read. Unknown generated columns (the catalog
 * could not be read) cover every column of each table a selector touches.
 */
function generatedSelectors(selectors: readonly string[], generated: GeneratedColumns | undefined): string[] {
  if (!generated) return [];
  if (generated.isUnknown)
    return selectors.map((selector) => `${selector.slice(0, selector.lastIndexOf(".") + 1)}*`);
  // Where the server folds names, a selector in any case covers (more is the safe side).
  const fold = (name: string) => (generated.isCaseFolded ? name.toLowerCase() : name);
  const folded = selectors.map(fold);
  const out: string[] = [];
  for (const column of generatedColumnsOf(generated)) {
    const covers = (name: string) =>
      folded.some((selector) =>
        matchesSelector(selector, {
          schema: fold(column.schema),
          table: fold(column.table),
          column: fold(name),
        }),
      );
    if (isComputedFrom(generated, column, covers))
      out.push(`${column.schema}.${column.table}.${column.column}`);
  }
  return out;
}
