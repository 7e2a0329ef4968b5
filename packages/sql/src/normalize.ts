import { normalizeQuery } from "./pg-query-module";

/**
 * The statement with its constants replaced by placeholders, by PostgreSQL's own lexer (so string,
 * escape-string and dollar-quote boundaries are exactly the server's). Two statements with the same
 * normalized text have the same structure and differ only in constant values.
 * Returns null when the text does not lex, when the normalizer fails (it recurses deeper than the
 * parser: a nesting the parser takes can overflow the stack here), or when what it returned is not
 * the statement with constants replaced (an error message it returned as text): the caller then
 * parses the statement in full, and never keys facts by anything but a real normalized form.
 */
export function normalizeStatement(sql: string): string | null {
  let normalized: string | null;
  try {
    normalized = normalizeQuery(sql);
  } catch {
    return null;
  }
  return normalized !== null && isNormalizationOf(sql, normalized) ? normalized : null;
}

/**
 * Whether `normalized` is `sql` with some stretches replaced by `$n`: the normalizer copies the text
 * between constants verbatim, so the pieces around the placeholders appear in `sql` in order, the
 * first at its start and the last at its end.
 */
export function isNormalizationOf(sql: string, normalized: string): boolean {
  const pieces = normalized.split(/\$\d+/);
  const first = pieces[0] as string;
  const last = pieces[pieces.length - 1] as string;
  if (!sql.startsWith(first)) return false;
  if (pieces.length === 1) return sql === normalized;
  if (!sql.endsWith(last) || sql.length < first.length + last.length) return false;
  let at = first.length;
  for (const piece of pieces.slice(1, -1)) {
    const found = sql.indexOf(piece, at);
    if (found < 0) return false;
    at = found + piece.length;
  }
  return at <= sql.length - last.length;
}
