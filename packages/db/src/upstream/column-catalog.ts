import { isStructureCatalog } from "@sluice/masking/structure-catalogs";
import { inheritanceFamilies } from "@sluice/policy/inherited-selectors";
import type { UpstreamCode } from "@sluice/policy/upstream-code";
import pg from "pg";
import { catalogFingerprint, newFingerprintSeed } from "./catalog-fingerprint";
import { pgCatalogReaderConfig, type UpstreamLogin } from "./pg-client-config";
import { readUpstreamCode } from "./upstream-code-catalog";

export type CatalogColumn = {
  tableOid: number;
  attnum: number;
  schema: string;
  table: string;
  column: string;
  /** A view or materialized view: it can expose any table's columns under other names. */
  isView: boolean;
  /**
   * A generated column: the attribute numbers of its own table's columns its expression reads, or
   * "opaque" when it also calls code that is not built in (a user function could read anything).
   * Absent for a column the server does not compute.
   */
  computedFrom?: number[] | "opaque";
};

/** User columns of every table-like relation; system schemas hold nothing an agent's rules name. */
const COLUMNS_SQL = `
SELECT c.oid::int8 AS table_oid, a.attnum, n.nspname AS schema, c.relname AS table, a.attname AS column,
       c.relkind IN ('v', 'm') AS is_view
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'`;

/**
 * What each generated column's expression depends on: the server records the dependencies of the
 * column's default expression (pg_attrdef) on every column, function, operator and type it uses,
 * besides the column itself. Objects below FirstNormalObjectId (16384) are built in.
 * @see https://github.com/postgres/postgres/blob/REL_18_STABLE/src/backend/catalog/heap.c (StoreAttrDefault)
 */
const GENERATED_SQL = `
SELECT a.attrelid::int8 AS table_oid, a.attnum,
       CASE WHEN d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid = a.attrelid
            THEN d.refobjsubid END AS reads_attnum,
       d.refobjid IS NOT NULL AND d.refobjid::int8 >= 16384
         AND NOT (d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid = a.attrelid) AS is_user_code
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass AND d.objid = ad.oid
WHERE a.attgenerated <> '' AND NOT a.attisdropped AND a.attnum > 0`;

/**
 * What each view's (and materialized view's) query reads: the server records a dependency of its
 * `_RETURN` rule on every column the query references (attribute 0: a whole row), and on every
 * function and operator it calls. A function or operator not built in (OID 16384 and up) could
 * read anything: the view is then opaque.
 * @see https://www.postgresql.org/docs/current/catalog-pg-depend.html
 */
const VIEW_READS_SQL = `
SELECT r.ev_class::int8 AS view_oid,
       CASE WHEN d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass THEN d.refobjid::int8 END AS reads_oid,
       CASE WHEN d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass THEN d.refobjsubid END AS reads_attnum,
       d.refclassid IN ('pg_catalog.pg_proc'::pg_catalog.regclass, 'pg_catalog.pg_operator'::pg_catalog.regclass)
         AND d.refobjid::int8 >= 16384 AS is_user_code
FROM pg_catalog.pg_rewrite r
JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.objid = r.oid
WHERE r.rulename = '_RETURN'
  AND NOT (d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid = r.ev_class)`;

/** System relations by OID: the structure catalogs among them are told apart by identity, not name. */
const SYSTEM_RELATIONS_SQL = `
SELECT c.oid::int8 AS oid, n.nspname AS schema, c.relname AS name
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname IN ('pg_catalog', 'information_schema') AND c.relkind IN ('r', 'v')`;

/** A structure catalog as this upstream numbers it (see @sluice/masking/structure-catalogs). */
export type StructureRelation = { oid: number; schema: string; name: string };

/** What one read of the upstream's catalog found. */
export type ColumnCatalog = {
  columns: CatalogColumn[];
  code: UpstreamCode;
  structure: StructureRelation[];
  /**
   * The names of pg_catalog's relations: a bare `pg_…` name is one of them only if listed here (the
   * prefix is reserved for schemas, not relations: a `public.pg_…` view may be anyone's).
   */
  systemNames?: string[];
  /** Inheritance and partition families, as table OIDs. */
  families: number[][];
  /** What each view reads, by view OID: (relation OID, attnum; 0 a whole row) pairs, or "opaque". */
  viewReads: Map<number, Array<{ oid: number; attnum: number }> | "opaque">;
  /** Foreign keys, by table OID: see ForeignKeyEdge. */
  foreignKeys: ForeignKeyEdge[];
};

/**
 * One foreign key: `referencing` rows point at `referenced` rows. A DELETE or UPDATE of the
 * referenced table changes the referencing one when the key's action is CASCADE, SET NULL or SET
 * DEFAULT (`changes`); TRUNCATE … CASCADE empties it whatever the action.
 */
export type ForeignKeyEdge = { referenced: number; referencing: number; changes: boolean };

const FOREIGN_KEYS_SQL = `
SELECT confrelid::int8 AS referenced, conrelid::int8 AS referencing,
       (confdeltype IN ('c', 'n', 'd') OR confupdtype IN ('c', 'n', 'd')) AS changes
FROM pg_constraint WHERE contype = 'f'`;

/**
 * Reads the upstream's catalog with the connection's brokered credentials, so a RowDescription's
 * (table OID, attribute number) can be named as `schema.table.column`, and the code statements can
 * run without naming it (triggers, functions shadowing built-ins, user casts). The gateway and the
 * console's try box both read it here, so both judge against the same facts.
 */
export async function readColumnCatalog(
  login: UpstreamLogin,
  options: { timeoutMs?: number } = {},
): Promise<ColumnCatalog> {
  const { timeoutMs } = options;
  const client = new pg.Client({
    ...pgCatalogReaderConfig(login, "sluice-masking-catalog"),
    ...(timeoutMs === undefined ? {} : { connectionTimeoutMillis: timeoutMs }),
  });
  client.on("error", () => {});
  const reading = readOver(client);
  if (timeoutMs === undefined) return reading;
  // A whole read bounded, not only its connect: a person waits on it (the try box).
  reading.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`the upstream did not answer within ${timeoutMs} ms`));
      void client.end().catch(() => {});
    }, timeoutMs);
  });
  try {
    return await Promise.race([reading, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Generated columns by `tableOid:attnum`, with what they are computed from. */
async function readGenerated(client: pg.ClientBase): Promise<Map<string, number[] | "opaque">> {
  const { rows } = await client.query<{
    table_oid: string;
    attnum: number;
    reads_attnum: number | null;
    is_user_code: boolean;
  }>(GENERATED_SQL);
  const out = new Map<string, number[] | "opaque">();
  for (const row of rows) {
    const key = `${Number(row.table_oid)}:${row.attnum}`;
    const known = out.get(key) ?? [];
    if (known === "opaque" || row.is_user_code) {
      out.set(key, "opaque");
      continue;
    }
    // The expression's dependency on its own column is not a read of it.
    const reads = row.reads_attnum !== null && row.reads_attnum > 0 && row.reads_attnum !== row.attnum;
    out.set(key, reads ? [...known, row.reads_attnum as number] : known);
  }
  return out;
}

/** Each view's inputs, as the server recorded them. */
async function readViewReads(client: pg.ClientBase): Promise<ColumnCatalog["viewReads"]> {
  const { rows } = await client.query<{
    view_oid: string;
    reads_oid: string | null;
    reads_attnum: number | null;
    is_user_code: boolean;
  }>(VIEW_READS_SQL);
  const out: ColumnCatalog["viewReads"] = new Map();
  for (const row of rows) {
    const view = Number(row.view_oid);
    const known = out.get(view) ?? [];
    if (known === "opaque" || row.is_user_code) {
      out.set(view, "opaque");
      continue;
    }
    if (row.reads_oid !== null) known.push({ oid: Number(row.reads_oid), attnum: row.reads_attnum ?? 0 });
    out.set(view, known);
  }
  return out;
}

async function readOver(client: pg.Client): Promise<ColumnCatalog> {
  await client.connect();
  try {
    return (await readConsistentCatalog(client, newFingerprintSeed())).catalog;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * The whole read in one REPEATABLE READ transaction, so every part sees the same catalog (a DDL
 * committed between two parts cannot leave a view known to one part and unknown to another), with
 * the fingerprint of exactly what it read.
 */
export async function readConsistentCatalog(
  client: pg.ClientBase,
  seed: string,
): Promise<{ catalog: ColumnCatalog; fingerprint: string }> {
  await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  try {
    const fingerprint = await catalogFingerprint(client, seed);
    const catalog = await readCatalogIn(client);
    await client.query("COMMIT");
    return { catalog, fingerprint };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
}

async function readCatalogIn(client: pg.ClientBase): Promise<ColumnCatalog> {
  const { rows } = await client.query<{
    table_oid: string;
    attnum: number;
    schema: string;
    table: string;
    column: string;
    is_view: boolean;
  }>(COLUMNS_SQL);
  const generated = await readGenerated(client);
  const columns = rows.map((row): CatalogColumn => {
    const column = {
      tableOid: Number(row.table_oid),
      attnum: row.attnum,
      schema: row.schema,
      table: row.table,
      column: row.column,
      isView: row.is_view,
    };
    const computedFrom = generated.get(`${column.tableOid}:${column.attnum}`);
    return computedFrom === undefined ? column : { ...column, computedFrom };
  });
  const system = await client.query<{ oid: string; schema: string; name: string }>(SYSTEM_RELATIONS_SQL);
  const structure = system.rows
    .filter((row) => isStructureCatalog(row.schema, row.name))
    .map((row) => ({ oid: Number(row.oid), schema: row.schema, name: row.name }));
  const inherits = await client.query<{ child: string; parent: string }>(
    "SELECT inhrelid::int8 AS child, inhparent::int8 AS parent FROM pg_inherits",
  );
  const families = inheritanceFamilies(
    inherits.rows.map((row) => ({ child: Number(row.child), parent: Number(row.parent) })),
  );
  const viewReads = await readViewReads(client);
  const keys = await client.query<{ referenced: string; referencing: string; changes: boolean }>(
    FOREIGN_KEYS_SQL,
  );
  const foreignKeys = keys.rows.map((row) => ({
    referenced: Number(row.referenced),
    referencing: Number(row.referencing),
    changes: row.changes,
  }));
  const systemNames = system.rows.filter((row) => row.schema === "pg_catalog").map((row) => row.name);
  return {
    columns,
    code: await readUpstreamCode(client),
    structure,
    systemNames,
    families,
    viewReads,
    foreignKeys,
  };
}
