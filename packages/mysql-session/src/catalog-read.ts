import {
  CATALOG_FINGERPRINT_SQL,
  COLUMN_CODE_FILTER,
  userSchemasIn,
  usersTablesIn,
} from "./catalog-fingerprint";
import { grantStateDigest, grantsOf, readGrantState } from "./grant-state";
import { listsTriggersByPrivilege, triggerSightOf } from "./trigger-sight";
import {
  type CatalogRelationRow,
  catalogOf,
  type ForeignKeyRow,
  type UpstreamCatalog,
} from "./upstream-catalog";
import type { ViewColumnRow, ViewRow } from "./view-lineage";
import type { ColumnCodeRow, TriggerRow } from "./write-code";

/** Every relation the connection's login can see, system schemas included (they are classified). */
const RELATIONS_SQL =
  "SELECT TABLE_SCHEMA AS `schema`, TABLE_NAME AS `table`, TABLE_TYPE AS `type` FROM information_schema.TABLES";

const USER_SCHEMAS = userSchemasIn("TABLE_SCHEMA");

/** Views' definitions (empty without SHOW VIEW: such a view is not traced, so masked whole). */
const VIEWS_SQL = `SELECT TABLE_SCHEMA AS \`schema\`, TABLE_NAME AS \`view\`, VIEW_DEFINITION AS \`definition\` FROM information_schema.VIEWS WHERE ${USER_SCHEMAS}`;

/** Views' column names in order, which the definition's outputs are lined up with. */
const VIEW_COLUMNS_SQL = `SELECT c.TABLE_SCHEMA AS \`schema\`, c.TABLE_NAME AS \`view\`, c.COLUMN_NAME AS \`column\`, c.ORDINAL_POSITION AS \`position\` FROM information_schema.COLUMNS c JOIN information_schema.VIEWS v ON v.TABLE_SCHEMA = c.TABLE_SCHEMA AND v.TABLE_NAME = c.TABLE_NAME WHERE c.${USER_SCHEMAS}`;

/** Triggers with their bodies: the owner's code a write runs (judged on connections with masking). */
const TRIGGERS_SQL = `SELECT TRIGGER_SCHEMA AS \`schema\`, TRIGGER_NAME AS \`trigger\`, EVENT_OBJECT_TABLE AS \`table\`, ACTION_TIMING AS \`timing\`, EVENT_MANIPULATION AS \`event\`, ACTION_STATEMENT AS \`body\`, SQL_MODE AS \`sqlMode\` FROM information_schema.TRIGGERS WHERE ${userSchemasIn("TRIGGER_SCHEMA")}`;

/** Columns whose value the server computes on a write: generated, a DEFAULT other than NULL, ON UPDATE. */
const COLUMN_CODE_SQL = `SELECT TABLE_SCHEMA AS \`schema\`, TABLE_NAME AS \`table\`, COLUMN_NAME AS \`column\`, COLUMN_DEFAULT AS \`defaultValue\`, GENERATION_EXPRESSION AS \`generation\`, EXTRA AS \`extra\` FROM information_schema.COLUMNS WHERE ${usersTablesIn("TABLE_SCHEMA")} AND ${COLUMN_CODE_FILTER}`;

/** Foreign keys with their actions: a write to the referenced table changes the referencing one. */
const FOREIGN_KEYS_SQL = `SELECT CONSTRAINT_SCHEMA AS \`schema\`, TABLE_NAME AS \`table\`, UNIQUE_CONSTRAINT_SCHEMA AS \`referencedSchema\`, REFERENCED_TABLE_NAME AS \`referencedTable\`, DELETE_RULE AS \`onDelete\`, UPDATE_RULE AS \`onUpdate\` FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE ${usersTablesIn("CONSTRAINT_SCHEMA")}`;

/** Reads the catalog moved under before a read is given up (the catalog is then unknown: all masked). */
const MAX_CATALOG_READS = 3;

/** A side connection that answers a text query with its rows first (mysql2's `query`). */
export type Queryable = { query: (sql: string) => Promise<[unknown, unknown]> };

/** How a catalog read may be told what kind of server it reads (a test's MariaDB as MySQL). */
export type CatalogReadOptions = {
  /** Whether the server lists triggers by privilege; by default read from its version string. */
  listsTriggersByPrivilege?: boolean;
};

/**
 * The upstream's catalog fingerprint (catalog-fingerprint.ts); `withGrants` where the read takes
 * the trigger sight from the login's grants (`UpstreamCatalog.fingerprintsGrants`): their digest
 * too, so a GRANT or REVOKE moves it as a change the server lists does.
 */
export async function fingerprintOf(client: Queryable, withGrants = false): Promise<string> {
  const [rows] = await client.query(CATALOG_FINGERPRINT_SQL);
  const catalog = String((rows as Array<{ fingerprint: string }>)[0]?.fingerprint);
  return withGrants ? `${catalog}|grants:${grantStateDigest(await readGrantState(client))}` : catalog;
}

/**
 * Reads the upstream's relations, its views' definitions and columns, and the code its writes run
 * (triggers, computed columns), as one consistent
 * picture. information_schema is not transactional (a consistent-snapshot transaction does not
 * cover it), so the reads are bracketed by the catalog's fingerprint and repeated when it moved
 * between them: a view redefined mid-read is never paired with the other definition's columns.
 */
export async function readMySqlCatalog(
  client: Queryable,
  options: CatalogReadOptions = {},
): Promise<UpstreamCatalog> {
  const isByPrivilege = options.listsTriggersByPrivilege ?? (await isServerListingByPrivilege(client));
  for (let attempt = 1; attempt <= MAX_CATALOG_READS; attempt++) {
    const readAt = Date.now();
    const before = await fingerprintOf(client, isByPrivilege);
    const [rows] = await client.query(RELATIONS_SQL);
    const [views] = await client.query(VIEWS_SQL);
    const [columns] = await client.query(VIEW_COLUMNS_SQL);
    const [triggers] = await client.query(TRIGGERS_SQL);
    const [columnCode] = await client.query(COLUMN_CODE_SQL);
    const [foreignKeys] = await client.query(FOREIGN_KEYS_SQL);
    const read = isByPrivilege ? grantsOf(await readGrantState(client)) : null;
    const triggerSight = triggerSightOf(
      read?.grants ?? null,
      rows as CatalogRelationRow[],
      read?.rules ?? null,
    );
    if ((await fingerprintOf(client, isByPrivilege)) !== before) continue;
    const catalog = catalogOf(
      rows as CatalogRelationRow[],
      readAt,
      views as ViewRow[],
      columns as ViewColumnRow[],
      {
        triggers: triggers as TriggerRow[],
        columns: columnCode as ColumnCodeRow[],
      },
    );
    return {
      ...catalog,
      fingerprint: before,
      fingerprintsGrants: isByPrivilege,
      foreignKeys: foreignKeys as ForeignKeyRow[],
      triggerSight,
    };
  }
  throw new Error(`the upstream catalog changed during each of ${MAX_CATALOG_READS} reads`);
}

async function isServerListingByPrivilege(client: Queryable): Promise<boolean> {
  const [rows] = await client.query("SELECT @@version AS version");
  return listsTriggersByPrivilege(String((rows as Array<{ version: unknown }>)[0]?.version ?? ""));
}
