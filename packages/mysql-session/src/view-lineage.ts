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
 */
export type ViewTraces = ReadonlyMap<string, ReadonlyMap<string, Sources> | null>;

/** Views over views deeper than this are not followed (untraceable, so masked whole). */
export const MAX_VIEW_NESTING = 32;

const UNKNOWN: Sources = { isUnknown: true, columns: [] };

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
  const underway = new Set<string>();

  const trace = (key: string, depth: number): Map<string, Sources> | null => {
    if (traces.has(key)) return traces.get(key) ?? null;
    const row = rows.get(key);
    if (underway.has(key) || depth > MAX_VIEW_NESTING) return null;
    if (!row?.definition) {
      traces.set(key, null);
      return null;
    }
    underway.add(key);
    const catalog = definitionCatalog(row.schema, relations, isValueHoldingSystem);
    const read = readViewDefinition(row.definition, catalog);
    const ordered = [...(names.get(key) ?? [])].sort((a, b) => a.position - b.position);
    const callsUnknown = read?.functionCalls.some(
      (call) => call.schema !== null || !MYSQL_SAFE_FUNCTIONS.has(call.name),
    );
    let result: Map<string, Sources> | null = null;
    if (read && !callsUnknown && read.outputs.length === ordered.length) {
      result = new Map();
      for (const [index, column] of ordered.entries()) {
        const sources = throughViews(read.outputs[index] as Sources, (view) => trace(view, depth + 1));
        result.set(column.column.toLowerCase(), sources);
      }
    }
    underway.delete(key);
    traces.set(key, result);
    return result;
  };

  const throughViews = (sources: Sources, nested: (view: string) => Map<string, Sources> | null): Sources => {
    if (sources.isUnknown) return UNKNOWN;
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
      if (!found || found.some((part) => part === undefined || part.isUnknown)) return UNKNOWN;
      resolved.push(...found.flatMap((part) => (part as Sources).columns));
    }
    return { isUnknown: false, columns: resolved };
  };

  for (const key of rows.keys()) trace(key, 0);
  return traces;
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
