/**
 * A statement's shape without WebAssembly: its text with every string and numeric literal replaced
 * by a mark and the literal's token class, read by a lexer that knows only the plain subset of
 * PostgreSQL's lexical rules (scan.l) and gives up (null) on everything else: comments, dollar
 * quotes and parameters (`$`), backslashes, prefixed strings (E'', B'', X'', N'', U&''), adjacent
 * strings (which the server joins), numbers with exponents, underscores, radix prefixes or junk
 * after them, and non-ASCII text outside quotes. With standard_conforming_strings pinned on and no
 * backslash anywhere, what it reads is independent of the session's lexing settings.
 *
 * Two statements with the same quick shape have the same tokens apart from literal values, and each
 * literal the same class (the server's ICONST, FCONST or SCONST). That alone does not make their
 * facts the same: a literal can be a raw token the grammar reads (`float(10)`), not a constant. So
 * the facts cache trusts a quick shape only once `agreesWithNormalized` has checked it against
 * PostgreSQL's own normalizer (libpg-query), which replaces exactly the grammar's constants.
 * @see https://github.com/postgres/postgres/blob/REL_18_STABLE/src/backend/parser/scan.l
 */

/** Stands where a literal stood; a statement's text never holds NUL (a Query is a C string). */
export const LITERAL_MARK = "\u0000";
/** The class letter after the mark, as the server's lexer returns the token. */
const INTEGER = "I";
const FLOAT = "F";
const STRING = "S";

/** The largest value the server's lexer returns as ICONST (`process_integer_literal`); above, FCONST. */
const MAX_INT4 = 2147483647;

const QUOTE = 0x27;
const DOUBLE_QUOTE = 0x22;
const DOT = 0x2e;
const DOLLAR = 0x24;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const SLASH = 0x2f;
const STAR = 0x2a;
const AMPERSAND = 0x26;

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function isLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f;
}

/** PostgreSQL's `space`: what may separate two strings the server would join into one. */
function isSpace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d);
}

/**
 * The quick shape of `sql`, or null when the text uses anything this lexer does not read exactly
 * as the server does (the caller then takes the slow path: PostgreSQL's normalizer).
 */
export function quickShape(sql: string): string | null {
  const shape = lexShape(sql);
  if (sql.length <= MAX_REMEMBERED_CHARS) {
    last.sql = sql;
    last.shape = shape;
  }
  return shape;
}

/**
 * `quickShape`, answered from the last call when it read the same text: the facts cache reads a
 * statement's shape and the recording's redaction reads it again a moment later
 * (`plain-literal-redaction.ts`), so one text is lexed once. The shape is a pure function of the
 * text, so keeping it across sessions shares nothing but the work; only this caller compares, so the
 * facts cache's own calls (most statements have no string constant to redact) pay two writes.
 */
export function quickShapeOfLastRead(sql: string): string | null {
  return sql === last.sql ? last.shape : quickShape(sql);
}

/** Texts above this are not kept alive for the next call (the facts cache does not keep them either). */
const MAX_REMEMBERED_CHARS = 16 * 1024;
const last: { sql: string | null; shape: string | null } = { sql: null, shape: null };

function lexShape(sql: string): string | null {
  let shape = "";
  let copiedUpTo = 0;
  const length = sql.length;
  let i = 0;
  while (i < length) {
    const code = sql.charCodeAt(i);
    if (code === 0 || code > 0x7e || code === DOLLAR || code === BACKSLASH) return null;
    if (isLetter(code)) {
      // A keyword or identifier, digits and all (`t1` holds no number).
      i += 1;
      while (i < length) {
        const next = sql.charCodeAt(i);
        if (next === DOLLAR) return null;
        if (!isLetter(next) && !isDigit(next)) break;
        i += 1;
      }
      continue;
    }
    if (code === DOUBLE_QUOTE) {
      const end = quotedEnd(sql, i, DOUBLE_QUOTE);
      // `""` is no name to the server's lexer (a zero-length delimited identifier is an error).
      if (end < 0 || end === i + 2) return null;
      i = end;
      continue;
    }
    if (code === QUOTE) {
      // A prefix (E, B, X, N, U&) or a token glued on would change what the quote starts.
      if (i > 0 && isGlued(sql.charCodeAt(i - 1))) return null;
      const end = quotedEnd(sql, i, QUOTE);
      if (end < 0) return null;
      let after = end;
      while (after < length && isSpace(sql.charCodeAt(after))) after += 1;
      // Two strings with a newline between are one literal to the server: left to the slow path.
      if (after < length && sql.charCodeAt(after) === QUOTE) return null;
      shape += sql.slice(copiedUpTo, i) + LITERAL_MARK + STRING;
      copiedUpTo = end;
      i = end;
      continue;
    }
    if (isDigit(code) || (code === DOT && isDigit(sql.charCodeAt(i + 1)))) {
      const end = numberEnd(sql, i);
      if (end < 0) return null;
      shape += sql.slice(copiedUpTo, i) + LITERAL_MARK + numberClass(sql, i, end);
      copiedUpTo = end;
      i = end;
      continue;
    }
    // A comment is left to the slow path; other operator characters and punctuation stay as they are.
    if (
      (code === MINUS && sql.charCodeAt(i + 1) === MINUS) ||
      (code === SLASH && sql.charCodeAt(i + 1) === STAR)
    )
      return null;
    if (code === SLASH && i > 0 && sql.charCodeAt(i - 1) === STAR) return null;
    i += 1;
  }
  return shape + sql.slice(copiedUpTo);
}

/**
 * Where the literal the quick shape marked with `literalClass` (the letter after the mark) starting
 * at `start` ends in `sql`: past its closing quote for a string, past its last digit for a number.
 * Only meaningful for a literal `quickShape(sql)` marked there.
 */
export function markedLiteralEnd(sql: string, start: number, literalClass: string): number {
  return literalClass === STRING ? quotedEnd(sql, start, QUOTE) : numberEnd(sql, start);
}

/** The class letter of a string constant after the mark (SCONST). */
export const STRING_CLASS = STRING;

/** Where a quoted string or identifier opened at `start` ends (past its closing quote), or -1. */
function quotedEnd(sql: string, start: number, quote: number): number {
  let i = start + 1;
  while (i < sql.length) {
    const code = sql.charCodeAt(i);
    if (code === 0 || code === BACKSLASH) return -1;
    if (code === quote) {
      // A doubled quote is one quote character inside the literal.
      if (sql.charCodeAt(i + 1) !== quote) return i + 1;
      i += 2;
      continue;
    }
    i += 1;
  }
  return -1;
}

/** Characters that, right before a quote, make it something other than a plain string. */
function isGlued(code: number): boolean {
  return isLetter(code) || isDigit(code) || code === AMPERSAND || code === DOUBLE_QUOTE || code === QUOTE;
}

/**
 * Where a plain decimal number starting at `start` ends, or -1 for anything fancier: the server's
 * lexer reads `1e5`, `0x1F`, `1_000` and `1..2` in ways this one does not try to match, and rejects
 * junk after a number (`123abc`).
 */
function numberEnd(sql: string, start: number): number {
  let i = start;
  while (isDigit(sql.charCodeAt(i))) i += 1;
  if (sql.charCodeAt(i) === DOT) {
    if (sql.charCodeAt(i + 1) === DOT) return -1;
    i += 1;
    while (isDigit(sql.charCodeAt(i))) i += 1;
  }
  const next = sql.charCodeAt(i);
  if (isLetter(next) || isDigit(next) || next === DOT || next === DOLLAR || next > 0x7e) return -1;
  return i;
}

/** ICONST for an integer that fits in int4, FCONST otherwise, as the server's lexer decides. */
function numberClass(sql: string, start: number, end: number): string {
  let first = start;
  // Leading zeros do not count towards the int4 range (`007` is ICONST).
  while (first < end - 1 && sql.charCodeAt(first) === 0x30) first += 1;
  let value = 0;
  for (let i = first; i < end; i += 1) {
    const code = sql.charCodeAt(i);
    if (code === DOT) return FLOAT;
    value = value * 10 + (code - 0x30);
  }
  return end - first > 10 || value > MAX_INT4 ? FLOAT : INTEGER;
}

/**
 * Whether PostgreSQL's normalizer replaced exactly the literals the quick shape marked, no more and
 * no fewer: `normalized` must be the quick shape with each mark (and its class) read as `$<n>`. The
 * original text outside literals holds no `$` (the quick lexer refuses it), so every `$<n>` in
 * `normalized` is one of the normalizer's replacements, and each must sit where a mark does.
 */
export function agreesWithNormalized(shape: string, normalized: string): boolean {
  const pieces = shape.split(LITERAL_MARK);
  let at = 0;
  for (let index = 0; index < pieces.length; index += 1) {
    let piece = pieces[index] as string;
    if (index > 0) {
      // The class letter is the quick shape's own; the normalizer wrote `$<n>` in the literal's place.
      piece = piece.slice(1);
      if (normalized.charCodeAt(at) !== DOLLAR || !isDigit(normalized.charCodeAt(at + 1))) return false;
      at += 1;
      while (isDigit(normalized.charCodeAt(at))) at += 1;
      // A digit right after a literal would be read as part of `$<n>`: not worth telling apart.
      if (isDigit(piece.charCodeAt(0))) return false;
    }
    if (!normalized.startsWith(piece, at)) return false;
    at += piece.length;
  }
  return at === normalized.length;
}
