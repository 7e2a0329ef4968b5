/**
 * node-sql-parser statement types → the kind names policy rules use (the PostgreSQL path's names
 * where the statement is the same, so one rule reads the same on both data paths). A type missing
 * here is reported as opaque, and the policy denies it: new syntax fails closed.
 */
export const MYSQL_STATEMENT_KINDS = new Map<string, string>([
  ["select", "SELECT"],
  ["insert", "INSERT"],
  ["replace", "INSERT"],
  ["update", "UPDATE"],
  ["delete", "DELETE"],
  ["truncate", "TRUNCATE"],
  ["drop", "DROP"],
  ["alter", "ALTER TABLE"],
  ["rename", "RENAME"],
  ["set", "SET"],
  ["use", "SET"],
  ["show", "SHOW"],
  ["desc", "SHOW"],
  ["explain", "EXPLAIN"],
  ["transaction", "TRANSACTION"],
  ["lock", "LOCK"],
  ["unlock", "LOCK"],
  ["grant", "GRANT"],
  ["revoke", "REVOKE"],
  ["load_data", "COPY"],
  ["call", "CALL"],
]);

/** `CREATE …` by the object it creates; procedures, functions, triggers and events hold code. */
export const MYSQL_CREATE_KINDS: Record<string, string> = {
  table: "CREATE TABLE",
  view: "CREATE VIEW",
  index: "CREATE INDEX",
  database: "CREATE SCHEMA",
  schema: "CREATE SCHEMA",
  trigger: "CREATE TRIGGER",
  function: "CREATE FUNCTION",
  procedure: "CREATE FUNCTION",
  user: "CREATE ROLE",
  sequence: "CREATE SEQUENCE",
};

/** START TRANSACTION / BEGIN / COMMIT / ROLLBACK by the word that starts them. */
export const MYSQL_TRANSACTION_KINDS: Record<string, string> = {
  start: "BEGIN",
  begin: "BEGIN",
  commit: "COMMIT",
  rollback: "ROLLBACK",
};
