import { type ScanToken, scanQuery } from "./pg-query-module";
import { redactPlainLiterals } from "./plain-literal-redaction";

/**
 * What every string constant and comment PostgreSQL's lexer reads starts with (a quote, a dollar
 * quote, `--`, `/*`), a double quote (an unterminated name makes the lexer fail, and the text is then
 * cut) and UTF-16 surrogates (a lone one is sent as U+FFFD): a statement with none of them comes back
 * from the lexer path unchanged, so it is returned without one. Most statements an agent sends
 * inline only numbers (`WHERE id = 42`), and the lexer is a WebAssembly call per statement. A `$`
 * before a digit is a parameter (`$1`) or inside a name, never a dollar quote's start (a tag cannot
 * begin with a digit), so parameterized text a driver sends again with new values skips it too.
 */
const MAY_HOLD_LITERAL = /['"\uD800-\uDFFF]|\$(?![0-9])|--|\/\*/;

/**
 * The statement with every string constant and comment replaced, bounded by PostgreSQL's own lexer
 * (`'…'`, `E'…'`, `U&'…'`, `B'…'`/`X'…'` and dollar quotes end exactly where the server ends them,
 * with the standard_conforming_strings the gateway pins), for recordings and review rows of
 * statements whose typed values may be sensitive. Names and numbers stay, so the statement still
 * reads. A statement the lexer cannot read (an unterminated quote) is cut off at its first quote or
 * comment, so nothing after a boundary nobody can place is kept. Text the quick shape's lexer reads
 * exactly as the server does is redacted by it (`plain-literal-redaction.ts`), without the scanner.
 * Needs `loadParser()` first.
 */
export function redactLiterals(sql: string, placeholder: string): string {
  if (!MAY_HOLD_LITERAL.test(sql)) return sql;
  return redactPlainLiterals(sql, placeholder) ?? redactByServerLexer(sql, placeholder);
}

/** `redactLiterals` by PostgreSQL's own scanner (a WebAssembly call), for any text. */
export function redactByServerLexer(sql: string, placeholder: string): string {
  const bytes = Buffer.from(sql, "utf8");
  let tokens: ScanToken[] | null;
  try {
    tokens = scanQuery(sql);
  } catch {
    tokens = null;
  }
  if (!tokens) return cutAtFirstQuote(sql, placeholder);
  let out = "";
  let copiedTo = 0;
  for (const token of tokens) {
    const replacement = replacementOf(token, placeholder);
    if (replacement === null) continue;
    // Token offsets are byte offsets into the UTF-8 text.
    out += bytes.subarray(copiedTo, token.start).toString("utf8") + replacement;
    copiedTo = token.end;
  }
  return out + bytes.subarray(copiedTo).toString("utf8");
}

function replacementOf(token: { tokenName: string; text: string }, placeholder: string): string | null {
  if (token.tokenName === "SQL_COMMENT") return `-- ${placeholder}`;
  if (token.tokenName === "C_COMMENT") return `/* ${placeholder} */`;
  // SCONST covers '…', E'…' and dollar quotes; U&'…', B'…' and X'…' come back unnamed, with their quote.
  if (token.tokenName === "SCONST" || isQuotedConstant(token.text)) return `'${placeholder}'`;
  return null;
}

/** A constant with a prefix (U&, B, X, N, E) and a single quote; a double-quoted name has none. */
function isQuotedConstant(text: string): boolean {
  return text.endsWith("'") && !text.startsWith('"');
}

function cutAtFirstQuote(sql: string, placeholder: string): string {
  const first = sql.search(/['$"]|--|\/\*/);
  return first < 0 ? sql : `${sql.slice(0, first)}'${placeholder}'`;
}
