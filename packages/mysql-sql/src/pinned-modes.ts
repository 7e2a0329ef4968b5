/**
 * The session modes that change how MariaDB/MySQL lexes or parses a statement, pinned at upstream
 * login so the gateway and the server read every statement the same way; statements that would
 * change them are refused (see extract-facts.ts).
 */

/**
 * sql_mode flags that change quoting, escapes, `||`, function-name parsing or NOT's precedence.
 * `ANSI` implies several. HIGH_NOT_PRECEDENCE binds NOT as tightly as `!`: `NOT id <> 5` becomes
 * `(NOT id) <> 5`, true for every row, where Sluice reads `NOT (id <> 5)` (one row).
 */
export const LEXING_SQL_MODES = [
  "ANSI",
  "ANSI_QUOTES",
  "NO_BACKSLASH_ESCAPES",
  "PIPES_AS_CONCAT",
  "IGNORE_SPACE",
  "ORACLE",
  "HIGH_NOT_PRECEDENCE",
] as const;

/**
 * Sent right after the brokered upstream login, before any agent statement: the server's own
 * sql_mode minus the flags above, and utf8mb4 as the client character set.
 */
export const PIN_SESSION_SQL = (() => {
  let mode = "CONCAT(',', @@SESSION.sql_mode, ',')";
  for (const flag of LEXING_SQL_MODES) mode = `REPLACE(${mode}, ',${flag},', ',')`;
  return `SET SESSION sql_mode = TRIM(BOTH ',' FROM ${mode}), NAMES utf8mb4`;
})();

/**
 * Session variables whose change would make the server read later statements differently from the
 * gateway: the lexing modes and the client character set (a multibyte set such as big5 or gbk can
 * swallow a backslash into a character).
 */
export const PINNED_VARIABLES: ReadonlySet<string> = new Set([
  "sql_mode",
  "character_set_client",
  "character_set_connection",
  "character_set_results",
  "collation_connection",
  "names",
  "character set",
  "charset",
]);
