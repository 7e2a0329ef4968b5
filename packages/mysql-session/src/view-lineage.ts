import { matchesSelector, selectorTouchesTable } from "@sluice/masking/selector";
import { readViewDefinition } from "@sluice/mysql-sql/view-definition";
import { MYSQL_SAFE_FUNCTIONS } from "@sluice/policy/mysql-function-classes";
import type { ColumnSource, RelationCatalog, RelationColumns, Sources } from "@sluice/sql/column-lineage";
import type { RelationKind } from "./upstream-catalog";

/** One view as information_schema.VIEWS lists it; the definition is empty without SHOW VIEW. */
export type ViewRow = { schema: string; view: string; definition: string | null };
/** One column of a view (information_schema.COLUMNS), to name the definition's outputs. */
export type ViewColumnRow = { schema: string; view: string; column: string; position: number };

/**
 * Per view (`schema.view`, lower-cased): each column (lower-cased) → the stored table columns it
 * reads, through any views under it; null when the view cannot be traced (no definition, a
 * definition Sluice cannot read or line up, a function that is not a known built-in — a stored
 * function can read any table —, a relation the catalog does not know or that holds system values).
 * `whyUntraceable` says, per view that is null or has a column read from somewhere untraceable, why
 * (review and COLUMN rules name it in their verdicts).
 */
export type ViewTraces = ReadonlyMap<string, ReadonlyMap<string, Sources> | null> & {
  readonly whyUntraceable?: ReadonlyMap<string, string>;
};

/** Views over views deeper than this are not followed (untraceable, so masked whole). */
export const MAX_VIEW_NESTING = 32;

const UNKNOWN: Sources = { isUnknown: true, columns: [] };

/** A column's sources, and when they are unknown because of a view under it, why (and its first cause). */
type Resolved = { sources: Sources; why?: string; cause?: string };

export function traceViews(
  relations: ReadonlyMap<string, RelationKind>,
  isValueHoldingSystem: (qualified: string) => boolean,
  views: readonly ViewRow[],
  columns: readonly ViewColumnRow[],
): ViewTraces {
  const rows = new Map(views.map((row) => [`${row.schema}.${row.view}`.toLowerCase(), row]));
  const names = new Map<string, ViewColumnRow[]>();
  for (const row of columns) {
    const key = `${row.schema}.${row.view}`.toLowerCase();
    names.set(key, [...(names.get(key) ?? []), row]);
  }
  const traces = new Map<string, Map<string, Sources> | null>();
  const why = new Map<string, string>();
  /** The first cause under each untraceable view, named with its view: nesting does not lengthen it. */
  const cause = new Map<string, string>();
  const underway = new Set<string>();
  /** Per view traced, the views in the longest chain from it down to stored tables (itself included). */
  const heights = new Map<string, number>();

  const untraceable = (key: string, reason: string): null => {
    traces.set(key, null);
    why.set(key, reason);
    cause.set(key, `${key}: ${reason}`);
    // Already untraceable for its own reason: views over it are not made deeper by it.
    if (!heights.has(key)) heights.set(key, 1);
    return null;
  };

  const trace = (key: string, depth: number): Map<string, Sources> | null => {
    if (traces.has(key)) return traces.get(key) ?? null;
    const row = rows.get(key);
    // Not remembered: the same view reached from nearer the top may still be traced.
    if (underway.has(key) || depth > MAX_VIEW_NESTING) return null;
    if (!row) return untraceable(key, "its definition is not in the catalog");
    if (!row.definition) {
      return untraceable(key, "its definition cannot be read (the brokered login lacks SHOW VIEW)");
    }
    const catalog = definitionCatalog(row.schema, relations, isValueHoldingSystem);
    const read = readViewDefinition(row.definition, catalog);
    if (!read) return untraceable(key, "Sluice cannot read its definition");
    const unknownCall = read.functionCalls.find(
      (call) => call.schema !== null || !MYSQL_SAFE_FUNCTIONS.has(call.name),
    );
    if (unknownCall) {
      const name = unknownCall.schema ? `${unknownCall.schema}.${unknownCall.name}` : unknownCall.name;
      return untraceable(key, `it calls ${name}(), which is not a known built-in`);
    }
    const ordered = [...(names.get(key) ?? [])].sort((a, b) => a.position - b.position);
    if (read.outputs.length !== ordered.length) {
      return untraceable(key, "Sluice cannot line its definition up with its columns");
    }
    underway.add(key);
    // Left by a try cut off deeper down, now traced from nearer its top.
    why.delete(key);
    cause.delete(key);
    const result = new Map<string, Sources>();
    // How many views the longest chain under this one holds, so the limit does not hang on which
    // view is traced first; a chain cut off by `depth` leaves this view to be traced from nearer
    // its own top (at the top, the chain is too deep).
    let below = 0;
    let isCutOff = false;
    const nested = (view: string) => {
      const traced = trace(view, depth + 1);
      if (traced === null && !traces.has(view)) isCutOff = true;
      below = Math.max(below, heights.get(view) ?? MAX_VIEW_NESTING);
      return traced;
    };
    for (const [index, column] of ordered.entries()) {
      const resolved = throughViews(read.outputs[index] as Sources, nested);
      result.set(column.column.toLowerCase(), resolved.sources);
      if (resolved.sources.isUnknown && !why.has(key)) {
        const reason = resolved.why ?? `what its column ${column.column} reads cannot be traced`;
        why.set(key, reason);
        cause.set(key, resolved.cause ?? `${key}: ${reason}`);
      }
    }
    underway.delete(key);
    if (isCutOff && depth > 0) return null;
    heights.set(key, below + 1);
    if (isCutOff || below + 1 > MAX_VIEW_NESTING) {
      return untraceable(key, `it nests deeper than ${MAX_VIEW_NESTING} views`);
    }
    traces.set(key, result);
    return result;
  };

  const throughViews = (
    sources: Sources,
    nested: (view: string) => Map<string, Sources> | null,
  ): Resolved => {
    if (sources.isUnknown) return { sources: UNKNOWN };
    const resolved: ColumnSource[] = [];
    for (const source of sources.columns) {
      const key = `${source.schema}.${source.table}`.toLowerCase();
      if (relations.get(key) !== "view") {
        resolved.push(source);
        continue;
      }
      const view = nested(key);
      const found =
        view && (source.column === null ? [...view.values()] : [view.get(source.column.toLowerCase())]);
      if (!found || found.some((part) => part === undefined || part.isUnknown)) {
        const under = cause.get(key) ?? `${key}: it nests deeper than ${MAX_VIEW_NESTING} views`;
        return {
          sources: UNKNOWN,
          why: `it reads view ${key}, which Sluice cannot trace (${under})`,
          cause: under,
        };
      }
      resolved.push(...found.flatMap((part) => (part as Sources).columns));
    }
    return { sources: { isUnknown: false, columns: resolved } };
  };

  for (const key of rows.keys()) trace(key, 0);
  return Object.assign(traces, { whyUntraceable: why });
}

/**
 * How a definition's names resolve: unqualified ones in the view's own database (MariaDB stores
 * them qualified anyway); a table or view by name (a view's columns are followed afterwards); a
 * name the catalog lacks, or a system relation that holds values, is unknown.
 */
function definitionCatalog(
  schema: string,
  relations: ReadonlyMap<string, RelationKind>,
  isValueHoldingSystem: (qualified: string) => boolean,
): RelationCatalog {
  return {
    relationsNamed: (named, name): RelationColumns[] | null => {
      const database = named ?? schema;
      const key = `${database}.${name}`.toLowerCase();
      const kind = relations.get(key);
      if (kind === undefined || (kind === "system" && isValueHoldingSystem(key))) return null;
      return [{ schema: database, table: name, columns: null }];
    },
  };
}

/**
 * Do these sources read no column an applicable selector covers? Unknown sources could read
 * anything. MySQL column names fold case, so columns are compared lower-cased.
 */
export function isCleanTrace(sources: Sources | undefined, selectors: readonly string[]): boolean {
  if (!sources || sources.isUnknown) return false;
  return sources.columns.every(({ schema, table, column }) =>
    column === null
      ? !selectors.some((selector) => selectorTouchesTable(selector, schema, table))
      : !selectors.some((selector) =>
          matchesSelector(foldColumn(selector), { schema, table, column: column.toLowerCase() }),
        ),
  );
}

function foldColumn(selector: string): string {
  const at = selector.lastIndexOf(".");
  return `${selector.slice(0, at + 1)}${selector.slice(at + 1).toLowerCase()}`;
}
