/**
 * System relations that describe structure (names, types, keys, defaults, comments) and never hold
 * a value of a user column: what schema reflection reads (SQLAlchemy's inspector, LangChain's
 * SQLDatabase, `information_schema` queries). Their columns come back in clear on a masked
 * connection. A masked value cannot reach them: an agent writes structure only with literals of
 * its own (DDL takes no expressions that read tables, and code that could is refused), and the
 * server fills them from DDL, never from rows.
 *
 * Matched by identity: the gateway reads each one's OID from the upstream's catalog and the masking
 * plan compares a RowDescription's table OID with those, so a user relation of the same name in
 * another schema is not one of them. Left out on purpose, and so masked when their columns are not
 * provably clean: catalogs holding values (pg_statistic, pg_stats*, pg_statistic_ext_data),
 * statement text of sessions (pg_stat_activity, pg_prepared_statements, pg_cursors), code that
 * reflection does not read (pg_proc, pg_rewrite and the views' definitions, pg_policy, pg_trigger),
 * settings, roles and foreign-data options (which can hold passwords).
 */
export const STRUCTURE_CATALOGS: ReadonlySet<string> = new Set([
  // pg_catalog tables.
  "pg_catalog.pg_am",
  "pg_catalog.pg_attrdef",
  "pg_catalog.pg_attribute",
  "pg_catalog.pg_class",
  "pg_catalog.pg_collation",
  "pg_catalog.pg_constraint",
  "pg_catalog.pg_database",
  "pg_catalog.pg_depend",
  "pg_catalog.pg_description",
  "pg_catalog.pg_enum",
  "pg_catalog.pg_extension",
  "pg_catalog.pg_index",
  "pg_catalog.pg_inherits",
  "pg_catalog.pg_namespace",
  "pg_catalog.pg_opclass",
  "pg_catalog.pg_partitioned_table",
  "pg_catalog.pg_range",
  "pg_catalog.pg_sequence",
  "pg_catalog.pg_tablespace",
  "pg_catalog.pg_type",
  // pg_catalog views over those.
  "pg_catalog.pg_indexes",
  "pg_catalog.pg_matviews",
  "pg_catalog.pg_tables",
  // information_schema views over those.
  "information_schema.check_constraints",
  "information_schema.columns",
  "information_schema.constraint_column_usage",
  "information_schema.constraint_table_usage",
  "information_schema.domains",
  "information_schema.element_types",
  "information_schema.key_column_usage",
  "information_schema.referential_constraints",
  "information_schema.schemata",
  "information_schema.table_constraints",
  "information_schema.tables",
]);

/** Is `schema.name` one of the structure catalogs (exact, case-sensitive as the catalog stores it)? */
export function isStructureCatalog(schema: string, name: string): boolean {
  return STRUCTURE_CATALOGS.has(`${schema}.${name}`);
}
