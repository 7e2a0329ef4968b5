import type { FunctionClass } from "./function-class";

/**
 * The fail-closed defaults every connection gets. Each has a name, so a connection can relax one
 * only deliberately: with an ALLOW guardrail that names exactly what it permits.
 */

/**
 * Functions of well-known extensions that are dangerous wherever the extension was installed (a
 * trailing `*` is a prefix). Every other function outside pg_catalog is unknown and refused anyway;
 * these get the class's own rule and reason. Built-ins are classified in generated/function-classes.ts.
 */
export const EXTENSION_FUNCTION_CLASSES: ReadonlyArray<readonly [string, FunctionClass]> = [
  ["dblink*", "executes-sql"],
  ["pg_stat_statements*", "query-text"],
  ["pg_file_*", "server-files"],
  ["pg_logdir_ls", "server-files"],
  ["pg_read_file", "server-files"],
  ["pg_read_binary_file", "server-files"],
  ["pg_ls_dir", "server-files"],
];

/** Settings that change who the session is. */
export const PRIVILEGE_SETTINGS = ["role", "session_authorization", "*"] as const;

/** Settings that would switch a read-only connection back to writing. */
export const READ_ONLY_SETTINGS = [
  "transaction_read_only",
  "default_transaction_read_only",
  "transaction",
  "session characteristics",
  "all",
] as const;

/** Statement kinds that change privileges or load code, denied unless a rule allows the kind. */
export const PRIVILEGED_KINDS = [
  "GRANT",
  "REVOKE",
  "GRANT ROLE",
  "CREATE ROLE",
  "ALTER ROLE",
  "DROP ROLE",
  "ALTER DEFAULT PRIVILEGES",
  "ALTER OWNER",
  "ALTER SYSTEM",
  "CREATE FUNCTION",
  "CREATE EXTENSION",
  "LOAD",
  "CREATE SERVER",
  "CREATE USER MAPPING",
  "IMPORT FOREIGN SCHEMA",
  "CREATE EVENT TRIGGER",
  "DO",
] as const;

/** Kinds that only read or manage the session; everything else writes in a read-only connection. */
export const READ_ONLY_KINDS = new Set([
  "SELECT",
  "EXPLAIN",
  "SHOW",
  "BEGIN",
  "COMMIT",
  "ROLLBACK",
  "SAVEPOINT",
  "RELEASE",
  "SET",
  "RESET",
  "PREPARE",
  "EXECUTE",
  "DEALLOCATE",
  "DECLARE",
  "FETCH",
  "MOVE",
  "CLOSE",
  "LISTEN",
  "UNLISTEN",
  "DISCARD",
  "COPY",
]);

/**
 * Catalog relations that hold real column values (planner statistics) or other sessions' query
 * text: reading them is an oracle around masking. Denied unless an ALLOW TABLE rule names them.
 */
export const VALUE_REVEALING_RELATIONS = new Map<string, string>([
  ["pg_catalog.pg_stats", "holds real column values (most common values, histograms)"],
  ["pg_catalog.pg_stats_ext", "holds real column values (most common values)"],
  ["pg_catalog.pg_stats_ext_exprs", "holds real expression values"],
  ["pg_catalog.pg_statistic", "holds real column values"],
  ["pg_catalog.pg_statistic_ext_data", "holds real column values"],
  ["pg_catalog.pg_stat_activity", "shows other sessions' query text"],
]);

/** Extension views and functions that show query text, wherever they are installed. */
export const QUERY_TEXT_RELATIONS = ["pg_stat_statements", "pg_stat_statements_info"] as const;
