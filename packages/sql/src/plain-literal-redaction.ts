import { LITERAL_MARK, markedLiteralEnd, quickShapeOfLastRead, STRING_CLASS } from "./quick-shape";

/**
 * `redactLiterals` without WebAssembly, for the text the quick shape's lexer reads exactly as the
 * server does (`quick-shape.ts`: no comment, dollar quote, backslash, prefixed or adjacent string,
 * and nothing outside quotes but ASCII): there every string constant is a plain `'…'` the quick
 * shape marked, and there is no comment to replace, so the string constants are all there is to
 * redact. Returns null for any other text (the caller then asks PostgreSQL's own lexer). The server's
 * scanner is a WebAssembly call that cost ~17 µs for a one-line statement with one string constant,
 * on every statement of a masked table an agent sends with a new value; this is well under one.
 */
export function redactPlainLiterals(sql: string, placeholder: string): string | null {
  // Usually the text the facts cache has just read the shape of: not lexed again.
  const shape = quickShapeOfLastRead(sql);
  if (shape === null) return null;
  const pieces = shape.split(LITERAL_MARK);
  // The shape keeps the text between literals byte for byte: each piece after a mark starts with
  // the literal's class letter, then the text that follows the literal in `sql`.
  let out = pieces[0] as string;
  let at = out.length;
  for (let index = 1; index < pieces.length; index += 1) {
    const piece = pieces[index] as string;
    const literalClass = piece.charAt(0);
    const end = markedLiteralEnd(sql, at, literalClass);
    if (end <= at) return null;
    out += literalClass === STRING_CLASS ? `'${placeholder}'` : sql.slice(at, end);
    const after = piece.slice(1);
    // The walk and the shape must agree on every byte; anything else goes to the server's lexer.
    if (!sql.startsWith(after, end)) return null;
    out += after;
    at = end + after.length;
  }
  return at === sql.length ? out : null;
}
