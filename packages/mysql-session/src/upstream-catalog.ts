import type { TriggerSight } from "./trigger-sight";
import { traceViews, type ViewColumnRow, type ViewRow, type ViewTraces } from "./view-lineage";
import { type ColumnCodeRow, type TriggerRow, traceWriteCode, type WriteCodeTraces } from "./write-code";

/**
 * The upstream's relations as the gateway last read them (information_schema.TABLES), so a result
 * column's origin can be checked against what it names: a base table's column is where the value
 * was stored; a view's column (MariaDB reports the view, not the table under it) or anything else
 * may be any table's value under another name.
 */
export type RelationKind = "table" | "view" | "system";

export type UpstreamCatalog = {
  /** `schema.table`, lower-cased (a table and a view whose names differ only in case: the view wins). */
  readonly relations: ReadonlyMap<string, RelationKind>;
  /** Each view's columns traced to the stored columns they read (see view-lineage.ts). */
  readonly views: ViewTraces;
  /**
   * What a write to each relation runs (triggers, generated columns, DEFAULT and ON UPDATE
   * expressions, a view's tables); absent when the read did not include it (every write is then
   * judged to run unknown code).
   */
  readonly writeCode?: WriteCodeTraces;
  /** When it was read (ms since the epoch): a relation created since then is not in it. */
  readonly readAt: number;
  /** The upstream's catalog fingerprint when it was read: unchanged since means still true. */
  readonly fingerprint?: string;
  /** The fingerprint covers the login's grants (the trigger sight is read from them): `fingerprintOf(client, true)`. */
  readonly fingerprintsGrants?: boolean;
  /** Foreign keys (InnoDB's), with their actions; absent when the read did not include them. */
  readonly foreignKeys?: readonly ForeignKeyRow[];
  /**
   * Which tables' triggers the read may have missed (MySQL lists them by privilege:
   * trigger-sight.ts); absent from a catalog not read from a server, which is taken as complete.
   */
  readonly triggerSight?: TriggerSight;
};

/** One foreign key as information_schema.REFERENTIAL_CONSTRAINTS lists it. */
export type ForeignKeyRow = {
  schema: string;
  table: string;
  referencedSchema: string;
  referencedTable: string;
  /** CASCADE, SET NULL, SET DEFAULT, RESTRICT or NO ACTION. */
  onDelete: string;
  onUpdate: string;
};

/**
 * How a session reaches the catalog: the last read, whether the upstream still matches it (checked
 * before each masked statement), and a new read (shared while under way).
 */
export type UpstreamCatalogAccess = {
  current: () => UpstreamCatalog | null;
  isCurrent: (catalog: UpstreamCatalog) => Promise<boolean>;
  refresh: () => Promise<UpstreamCatalog>;
};

/** One row of the catalog read. */
export type CatalogRelationRow = { schema: string; table: string; type: string };

/**
 * The databases the catalog read leaves out as the server's own (their views, triggers and keys
 * unread; compared without case). Not every one of them is: see `isServersOwnDatabase`.
 */
export const SYSTEM_SCHEMAS = new Set(["information_schema", "performance_schema", "mysql", "sys"]);

/**
 * Whether a database, named as the server lists it, holds only the server's own state: no user
 * creates a relation in information_schema or performance_schema (either casing is theirs), and
 * `mysql` is the server's by its exact name. `sys` is an ordinary database (MySQL's helper views;
 * anyone with CREATE may make it where it is missing), and with lower_case_table_names=0 `Sys` or
 * `MYSQL` is another database: a view there over a denied table was read in clear
 * (`mysql-bypass-system-named-view.int.test.ts`). Their relations are a user's, and their views,
 * which the read leaves out, cannot be traced.
 */
export function isServersOwnDatabase(schema: string): boolean {
  const lower = schema.toLowerCase();
  return schema === "mysql" || lower === "information_schema" || lower === "performance_schema";
}

/**
 * information_schema relations that describe objects and hold no stored values: reading them is
 * not reading a masked table. Everything else in the system schemas is opaque — PROCESSLIST holds
 * other sessions' statement text, mysql.column_stats a column's minimum and maximum values,
 * performance_schema statement histories.
 */
export const DESCRIPTIVE_SYSTEM_RELATIONS = new Set(
  [
    "schemata",
    "tables",
    "columns",
    "views",
    "routines",
    "parameters",
    "statistics",
    "key_column_usage",
    "table_constraints",
    "referential_constraints",
    "check_constraints",
    "triggers",
    "events",
    "character_sets",
    "collations",
    "collation_character_set_applicability",
    "engines",
    "schema_privileges",
    "table_privileges",
    "column_privileges",
    "user_privileges",
  ].map((name) => `information_schema.${name}`),
);

/** TABLE_TYPE values whose rows are stored where the column origin says (system versioning too). */
const STORED_TYPES = new Set(["BASE TABLE", "SYSTEM VERSIONED"]);

export function catalogOf(
  rows: readonly CatalogRelationRow[],
  readAt: number,
  views: readonly ViewRow[] = [],
  viewColumns: readonly ViewColumnRow[] = [],
  code?: { triggers: readonly TriggerRow[]; columns: readonly ColumnCodeRow[] },
): UpstreamCatalog {
  const relations = new Map<string, RelationKind>();
  const collided = new Set<string>();
  for (const row of rows) {
    const key = `${row.schema}.${row.table}`.toLowerCase();
    if (relations.has(key)) collided.add(key);
    const kind: RelationKind = isServersOwnDatabase(row.schema)
      ? "system"
      : STORED_TYPES.has(row.type)
        ? "table"
        : "view";
    // Names that differ only in case may both exist: the less provable kind decides.
    if (relations.get(key) !== "view") relations.set(key, kind);
  }
  const isValueHolding = (qualified: string) => !DESCRIPTIVE_SYSTEM_RELATIONS.has(qualified);
  // An origin names one of the relations a lower-cased key stands for, not which: none is traced.
  const traceable = views.filter((view) => !collided.has(`${view.schema}.${view.view}`.toLowerCase()));
  return {
    relations,
    views: traceViews(relations, isValueHolding, traceable, viewColumns),
    ...(code ? { writeCode: traceWriteCode(relations, code.triggers, code.columns, views) } : {}),
    readAt,
  };
}
