import { matchesSelector, selectorTouchesTable } from "@sluice/masking/selector";
import type { ColumnSource, RelationCatalog, RelationColumns, Sources } from "@sluice/sql/column-lineage";
import type { TableRef } from "@sluice/sql/facts";
import type { ForeignKeyCascades } from "./foreign-key-cascades";
import type { GeneratedColumns, GeneratedInputs, GeneratedRelation } from "./generated-columns";
import { candidateNames } from "./patterns";
import type { UpstreamCode } from "./upstream-code";
import type { ViewRead, ViewReads, ViewSource } from "./view-reads";

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
    ...(viewReads && viewReads.size > 0 ? { viewReads: withTemporaryViews(viewReads, temporary) } : {}),
    ...(cascades && cascades.size > 0 ? { cascades } : {}),
  };
}

/**
 * The views also under `pg_temp.name`, the name a statement's temporary relation is judged by
 * (namesFor): the read lists them under each session's own `pg_temp_N`, and which one is this
 * session's cannot be seen from outside, so the name reads whatever any of them reads (opaque if
 * any is). Without it a write through a temporary view over a table a rule covers was not
 * followed (`bypass-fresh-pg-named-view.int.test.ts`).
 */
function withTemporaryViews(viewReads: ViewReads, temporary: ReadonlyMap<string, string[]>): ViewReads {
  let out: Map<string, ViewRead> | null = null;
  for (const [name, keys] of temporary) {
    const reads = keys.flatMap((key) => {
      const read = viewReads.get(key);
      return read === undefined ? [] : [read];
    });
    if (reads.length === 0) continue;
    out ??= new Map(viewReads);
    const opaque = reads.find((read) => !Array.isArray(read));
    out.set(`pg_temp.${name}`, opaque ?? reads.flatMap((read) => read as readonly ViewSource[]));
  }
  if (!out) return viewReads;
  return Object.assign(
    out,
    viewReads.isCaseFolded ? { isCaseFolded: true } : {},
    viewReads.unknownBecause !== undefined ? { unknownBecause: viewReads.unknownBecause } : {},
  );
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
type SessionNames = {
  /** Every schema the session's path has held, in order of first appearance. */
  searchPath: readonly string[];
  resolved?: ReadonlyMap<string, string>;
  /** A statement set the path to a computed value: where pg_catalog falls is unknown. */
  isPathComputed?: boolean;
  /** Bare pg_… names this session may have given its own temporary relations (SessionContext). */
  shadowingNames?: ReadonlySet<string>;
};

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
      return isServersOwnRelation({ schema, name }, snapshot, session)
        ? [{ schema: schema ?? "pg_catalog", table: name, columns: null }]
        : null;
    },
    ...(snapshot
      ? {
          holds: (schema: string | null, name: string) =>
            isKnownRelation(snapshot, { schema, name }, session) ||
            isServersOwnRelation({ schema, name }, snapshot, session) ||
            isOnlyPgCatalogs({ schema, name }, snapshot, session),
        }
      : {}),
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
 * A relation of the server's own catalogs, as far as this snapshot and the session's path can
 * tell. A bare `pg_x` is pg_catalog's only when pg_catalog has it and nothing the server searches
 * first can hold it. PostgreSQL reserves the prefix for schemas, not relations, so it may be
 * `public.pg_x`, a view another session just made over a covered table
 * (`bypass-fresh-pg-named-view.int.test.ts`). pg_catalog is searched first only while the path
 * never named it (the session's path is the union of every one it held) and no statement computed
 * it: `SET search_path = public, pg_catalog` puts public ahead. The temporary schema comes before
 * pg_catalog too, so a temporary relation of that name is the one read: one the catalog holds, or
 * one this session may have made since (`shadowingNames`), perhaps in a transaction still open.
 */
export function isServersOwnRelation(
  table: TableRef,
  snapshot: CatalogSnapshot,
  session: SessionNames,
): boolean {
  if (!isSystemRelation(table)) return false;
  if (table.schema !== null) return true;
  if (!isPgCatalogFirst(session)) return false;
  const shadows = session.shadowingNames;
  if (shadows && shadows.size > 0 && (shadows.has(table.name) || shadows.has("*"))) return false;
  if (!snapshot.systemNames) return true;
  return snapshot.systemNames.has(table.name) && !snapshot.temporary.has(table.name);
}

/**
 * A bare name only pg_catalog holds, among relations a catalog read can see, that this session has
 * not given a relation of its own (`shadowingNames`): wherever pg_catalog falls on the path, the
 * server finds pg_catalog's, once the snapshot was read after the statement came (as a write to a
 * relation it does not hold has it read, catalog-freshness.ts).
 */
function isOnlyPgCatalogs(table: TableRef, snapshot: CatalogSnapshot, session: SessionNames): boolean {
  if (table.schema !== null || !snapshot.systemNames?.has(table.name)) return false;
  const shadows = session.shadowingNames;
  return !shadows || !(shadows.has(table.name) || shadows.has("*"));
}

/** Whether pg_catalog is searched before every schema of the session's path (see above). */
export function isPgCatalogFirst(session: SessionNames): boolean {
  return session.isPathComputed !== true && !session.searchPath.includes("pg_catalog");
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
