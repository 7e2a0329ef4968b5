import { SYSTEM_SCHEMAS } from "./upstream-catalog";

/** `column` names a database other than the server's own (see SYSTEM_SCHEMAS). */
export function userSchemasIn(column: string): string {
  return `${column} NOT IN (${[...SYSTEM_SCHEMAS].map((schema) => `'${schema}'`).join(", ")})`;
}

const USER_SCHEMAS = userSchemasIn("TABLE_SCHEMA");

/**
 * The relations digest covers every database the read lists relations from but the two whose
 * relations are the server's own in any casing and fixed by its version (no user relation can be
 * made there). `sys`, `Sys` or `MySQL` hold a user's relations, which the read lists and classes
 * (upstream-catalog.ts): left out as system names, a table there replaced by a view went unseen
 * until the catalog aged (mysql-bypass-system-named-fingerprint.int.test.ts). The comparison is
 * the column's own, without case, as the server's fixed names need.
 */
const LISTED_SCHEMAS = "TABLE_SCHEMA NOT IN ('information_schema', 'performance_schema')";

/**
 * `column` names a database whose tables are a user's (`isServersOwnDatabase`'s complement):
 * anything but information_schema and performance_schema in any casing and the exact `mysql`
 * (compared as bytes). Their computed columns and foreign keys are read: a generated column over a
 * masked one in `sys.employees` was read in clear while `sys` was left out as the server's own
 * (mysql-bypass-system-named-generated.int.test.ts).
 */
export function usersTablesIn(column: string): string {
  return `(${column} NOT IN ('information_schema', 'performance_schema') AND CAST(${column} AS BINARY) <> 'mysql')`;
}

/** Columns whose value the server computes on a write: generated, a DEFAULT other than NULL, ON UPDATE. */
export const COLUMN_CODE_FILTER =
  "(IS_GENERATED <> 'NEVER' OR (COLUMN_DEFAULT IS NOT NULL AND COLUMN_DEFAULT <> 'NULL') OR EXTRA LIKE '%on update%')";

/**
 * Count, CRC32 sum and 128 bits of MD5 XOR-ed over rows: order-free, in plain SQL that MySQL and
 * MariaDB both run (GROUP_CONCAT would be cut at group_concat_max_len without a word).
 */
function digestOf(row: string, from: string): string {
  const half = (start: number) =>
    `LPAD(HEX(BIT_XOR(CAST(CONV(SUBSTR(MD5(${row}), ${start}, 16), 16, 10) AS UNSIGNED))), 16, '0')`;
  return `(SELECT CONCAT_WS(':', COUNT(*), COALESCE(SUM(CRC32(${row})), 0), ${half(1)}, ${half(17)}) FROM ${from})`;
}

/**
 * One statement whose answer changes whenever what `readMySqlCatalog` reads changes: every
 * relation's name and type (`sys` and system names' other casings too: LISTED_SCHEMAS), every view's definition (which carries the view's column names: the
 * server folds a column list into the definition as aliases, `select t.id AS a from t`), every
 * trigger's body, every computed column's expressions (the code a write runs) and every foreign
 * key with its actions (what a write changes through cascades). It is
 * what lets a cached catalog be checked before each masked statement at the cost of one round trip,
 * and what tells a read that the catalog moved while it was being read.
 */
export const CATALOG_FINGERPRINT_SQL = `SELECT CONCAT_WS('|', ${digestOf(
  "CONCAT_WS(0x1f, TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE)",
  `information_schema.TABLES WHERE ${LISTED_SCHEMAS}`,
)}, ${digestOf(
  "CONCAT_WS(0x1f, TABLE_SCHEMA, TABLE_NAME, VIEW_DEFINITION)",
  `information_schema.VIEWS WHERE ${USER_SCHEMAS}`,
)}, ${digestOf(
  "CONCAT_WS(0x1f, TRIGGER_SCHEMA, TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_STATEMENT, SQL_MODE)",
  `information_schema.TRIGGERS WHERE ${userSchemasIn("TRIGGER_SCHEMA")}`,
)}, ${digestOf(
  "CONCAT_WS(0x1f, TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, COLUMN_DEFAULT, GENERATION_EXPRESSION, EXTRA)",
  `information_schema.COLUMNS WHERE ${usersTablesIn("TABLE_SCHEMA")} AND ${COLUMN_CODE_FILTER}`,
)}, ${digestOf(
  "CONCAT_WS(0x1f, CONSTRAINT_SCHEMA, CONSTRAINT_NAME, TABLE_NAME, UNIQUE_CONSTRAINT_SCHEMA, REFERENCED_TABLE_NAME, DELETE_RULE, UPDATE_RULE)",
  `information_schema.REFERENTIAL_CONSTRAINTS WHERE ${usersTablesIn("CONSTRAINT_SCHEMA")}`,
)}) AS fingerprint`;
