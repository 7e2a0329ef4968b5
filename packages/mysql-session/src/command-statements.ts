/**
 * Commands that name what they read without statement text are judged (and recorded) as the
 * statement they stand for, so the same guardrails, masking and audit apply.
 */

function quoted(name: string): string {
  return `\`${name.replaceAll("`", "``")}\``;
}

/** COM_INIT_DB: the default database is where unqualified names resolve, as `USE` sets it. */
export function initDbStatement(schema: string): string {
  return `USE ${quoted(schema)}`;
}

/**
 * COM_FIELD_LIST: the columns of a table of the default database, as a read of the table that
 * returns no row (the answer holds column definitions and their defaults, never row values).
 */
export function fieldListStatement(table: string): string {
  return `SELECT * FROM ${quoted(table)} LIMIT 0`;
}
