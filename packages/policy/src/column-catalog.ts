import { matchesSelector, selectorTouchesTable } from "@sluice/masking/selector";
import type { ColumnSource, RelationCatalog, RelationColumns, Sources } from "@sluice/sql/column-lineage";
import type { TableRef } from "@sluice/sql/facts";
import type { ForeignKeyCascades } from "./foreign-key-cascades";
import type { GeneratedColumns, GeneratedInputs, GeneratedRelation } from "./generated-columns";
import { candidateNames } from "./patterns";
import type { UpstreamCode } from "./upstream-code";
import type { ViewReads } from "./view-reads";

/** One user column of the upstream, as the gateway reads pg_attribute. */
export type CatalogColumnRow = {
  schema: string;
  table: string;
  column: string;
  attnum: number;
  /** A view or materialized view: its columns can be any table's under other names. */
  isView: boolean;
  /** A generated column: attribute numbers of its row's columns it is computed from, or "opaque" (user code). */
  computedFrom?: readonly number[] | "opaque";
};

/** The upstream's user relations with their non-dropped attributes in attnum order. */
export type CatalogSnapshot = {
  readonly relations: ReadonlyMap<
    string,
    { schema: string; table: string; columns: string[]; isView: boolean }
  >;
  /** Temporary relations by name: `pg_temp.x` is whichever session's pg_temp_N holds x. */
  readonly temporary: ReadonlyMap<string, string[]>;
  /** Code statements can run without naming it; absent when the read did not include it. */
  readonly code?: UpstreamCode;
  /**
   * When the read began (epoch ms): it shows what was committed by then. Not readonly: a later read
   * that finds the catalog unchanged moves it forward, keeping this snapshot (and what is cached
   * under it) instead of building an identical one.
   */
  readAt?: number;
  /**
   * `schema.table` → the other relations of its inheritance family (parents, children,
   * partitions), whose rows are its rows too: a rule on one masks the same column of all.
   */
  readonly families?: ReadonlyMap<string, readonly string[]>;
  /**
   * Generated columns by relation, each with the names of the columns of its row it is computed
   * from, or "opaque" when its expression calls code that is not built in.
   */
  readonly generated?: GeneratedColumns;
  /** What each view's query reads (see view-reads.ts); absent when the read did not include it. */
  readonly viewReads?: ViewReads;
  /** `schema.table` → the tables its writes change through foreign keys (see ForeignKeyCascades). */
  readonly cascades?: ForeignKeyCascades;
  /**
   * The names of pg_catalog's relations, when the read listed them: a bare `pg_…` name not among
   * them is a user's relation (PostgreSQL reserves the prefix for schemas only).
   */
  readonly systemNames?: ReadonlySet<string>;
};

/**
 * How a front end offers the upstream's catalog: what it has now, and a fresh read (one already
 * under way serves, unless it began before `startedAfter`).
 */
export type ColumnCatalogAccess = {
  current: () => CatalogSnapshot | null;
  refresh: (options?: { startedAfter?: number }) => Promise<CatalogSnapshot>;
};

export function catalogSnapshot(
  rows: readonly CatalogColumnRow[],
  code?: UpstreamCode,
  readAt?: number,
  families?: ReadonlyMap<string, readonly string[]>,
  viewReads?: ViewReads,
  cascades?: ForeignKeyCascades,
): CatalogSnapshot {
  const relations = new Map<string, { schema: string; table: string; columns: string[]; isView: boolean }>();
  const ordered = [...rows].sort((a, b) => a.attnum - b.attnum);
  for (const row of ordered) {
    const key = `${row.schema}.${row.table}`;
    const relation = relations.get(key) ?? {
      schema: row.schema,
      table: row.table,
      columns: [],
      isView: row.isView,
    };
    relation.columns.push(row.column);
    relations.set(key, relation);
  }
  const generated = generatedColumns(ordered);
  const temporary = new Map<string, string[]>();
  for (const [key, relation] of relations) {
    if (!/^pg_temp_\d+$/.test(relation.schema)) continue;
    temporary.set(relation.table, [...(temporary.get(relation.table) ?? []), key]);
  }
  return {
    relations,
    temporary,
    ...(code ? { code } : {}),
    ...(readAt !== undefined ? { readAt } : {}),
    ...(families && families.size > 0 ? { families } : {}),
    ...(generated.size > 0 ? { generated: { relations: generated, isCaseFolded: false } } : {}),
    ...(viewReads && viewReads.size > 0 ? { viewReads } : {}),
    ...(cascades && cascades.size > 0 ? { cascades } : {}),
  };
}

/** Generated columns by relation, their inputs named. */
function generatedColumns(rows: readonly CatalogColumnRow[]) {
  const names = new Map<string, string>();
  for (const row of rows) names.set(`${row.schema}.${row.table}:${row.attnum}`, row.column);
  const out = new Map<string, GeneratedRelation & { columns: Map<string, GeneratedInputs> }>();
  for (const row of rows) {
    if (row.computedFrom === undefined) continue;
    const key = `${row.schema}.${row.table}`;
    const inputs =
      row.computedFrom === "opaque"
        ? "opaque"
        : // An input the read did not list (it cannot happen for a column of the same row) is unknown: opaque.
          row.computedFrom.every((attnum) => names.has(`${key}:${attnum}`))
          ? row.computedFrom.map((attnum) => names.get(`${key}:${attnum}`) as string)
          : "opaque";
    const relation = out.get(key) ?? { schema: row.schema, table: row.table, columns: new Map() };
    relation.columns.set(row.column, inputs);
    out.set(key, relation);
  }
  return out;
}

/** Where a session may find relations: its search path, and names resolved against the upstream. */
type SessionNames = { searchPath: readonly string[]; resolved?: ReadonlyMap<string, string> };

/**
 * The relations a name may stand for in this session, with their columns. Every candidate the
 * catalog holds is listed (the server picks one; the union is the safe reading); a name the
 * catalog does not hold, or that may be a view, is unknown. Without a snapshot, names keep their
 * candidates and lose their columns: `alias.name` may then be a whole row.
 */
export function relationCatalog(snapshot: CatalogSnapshot | null, session: SessionNames): RelationCatalog {
  return {
    relationsNamed: (schema, name) => {
      const candidates = candidatesOf({ schema, name }, session);
      if (!snapshot) {
        return candidates.map((qualified) => {
          const at = qualified.indexOf(".");
          return { schema: qualified.slice(0, at), table: qualified.slice(at + 1), columns: null };
        });
      }
      const found: RelationColumns[] = [];
      for (const qualified of candidates) {
        const keys = qualified.startsWith("pg_temp.") ? (snapshot.temporary.get(name) ?? []) : [qualified];
        for (const key of keys) {
          const relation = snapshot.relations.get(key);
          if (!relation) continue;
          if (relation.isView) return null;
          found.push(relation);
        }
      }
      if (found.length > 0) return found;
      // The catalog read leaves system relations out: their columns are taken by name, as without one.
      return isSystemRelation({ schema, name })
        ? [{ schema: schema ?? "pg_catalog", table: name, columns: null }]
        : null;
    },
  };
}

/**
 * A relation of the server's own catalogs (the column catalog leaves them out). Statistics are not
 * among them: they hold values of user columns under names of their own.
 */
export function isSystemRelation(table: TableRef): boolean {
  if (/^pg_stat(istic|s)/.test(table.name)) return false;
  return (
    table.schema === "pg_catalog" ||
    table.schema === "information_schema" ||
    (table.schema === null && table.name.startsWith("pg_"))
  );
}

/**
 * A relation of the server's own catalogs, as far as this snapshot can tell. A bare `pg_x` is
 * pg_catalog's (searched first) only when pg_catalog has it: PostgreSQL reserves the prefix for
 * schemas, not relations, so it may be `public.pg_x`, a view another session just made over a
 * covered table (`bypass-fresh-pg-named-view.int.test.ts`).
 */
export function isServersOwnRelation(table: TableRef, snapshot: CatalogSnapshot): boolean {
  if (!isSystemRelation(table)) return false;
  if (table.schema !== null || !snapshot.systemNames) return true;
  return snapshot.systemNames.has(table.name);
}

const namesOnly = new WeakMap<SessionNames, { key: string; resolved: unknown; catalog: RelationCatalog }>();

/**
 * The catalog-less reading for a session, one per search path, so lineage resolved once against it
 * is reused across statements (the resolver memoizes per catalog object).
 */
export function namesOnlyCatalog(session: SessionNames): RelationCatalog {
  const key = session.searchPath.join("\u0000");
  const cached = namesOnly.get(session);
  if (cached && cached.key === key && cached.resolved === session.resolved) return cached.catalog;
  const catalog = relationCatalog(null, session);
  namesOnly.set(session, { key, resolved: session.resolved, catalog });
  return catalog;
}

/** Does the catalog hold any relation the name may stand for (a view included)? */
export function isKnownRelation(snapshot: CatalogSnapshot, table: TableRef, session: SessionNames): boolean {
  return candidatesOf(table, session).some((qualified) =>
    qualified.startsWith("pg_temp.") ? snapshot.temporary.has(table.name) : snapshot.relations.has(qualified),
  );
}

/** The names the server may resolve a relation to (the engine's reading: resolved schema, else every candidate). */
function candidatesOf(table: TableRef, session: SessionNames): string[] {
  const schema = table.schema === null ? session.resolved?.get(table.name) : undefined;
  if (schema === undefined) return candidateNames(table, session.searchPath);
  return schema === "pg_temp"
    ? [`pg_temp.${table.name}`]
    : [`pg_temp.${table.name}`, `${schema}.${table.name}`];
}

/** Is a table column (or a whole row) covered by one of these masking selectors? */
export function isMaskedSource(source: ColumnSource, selectors: readonly string[]): boolean {
  if (source.column === null)
    return selectors.some((selector) => selectorTouchesTable(selector, source.schema, source.table));
  const column = { schema: source.schema, table: source.table, column: source.column };
  return selectors.some((selector) => matchesSelector(selector, column));
}

/** Could a value computed from these sources hold a masked value? Unknown could. */
export function mayHoldMasked(sources: Sources, selectors: readonly string[]): boolean {
  return sources.isUnknown || sources.columns.some((source) => isMaskedSource(source, selectors));
}
