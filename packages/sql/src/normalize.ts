import { normalizeQuery } from "./pg-query-module";

/**
 * The statement with its constants replaced by placeholders, by PostgreSQL's own lexer (so string,
 * escape-string and dollar-quote boundaries are exactly the server's). Two statements with the same
 * normalized text have the same structure and differ only in constant values.
 * Returns null when the text does not lex; the caller then parses it in full.
 */
export function normalizeStatement(sql: string): string | null {
  return normalizeQuery(sql);
}
