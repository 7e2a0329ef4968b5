/**
 * How MariaDB/MySQL reads comments and quotes under the modes Sluice pins at upstream login
 * (sql_mode without ANSI_QUOTES or NO_BACKSLASH_ESCAPES, character_set_client utf8mb4; see
 * pinned-modes.ts). The parser is a second reader of the same text; wherever the two could read it
 * differently, the statement is refused here instead of guessed at ("one reading").
 *
 * @see https://mariadb.com/kb/en/comment-syntax/
 * @see https://dev.mysql.com/doc/refman/8.0/en/string-literals.html
 */

export type LexRefusal = { reason: string; position: number };

/**
 * The text with every comment replaced by one space (so the parser never decides where a comment
 * ends), or the reason it cannot be read one way.
 */
export type ServerReading = { ok: true; text: string } | ({ ok: false } & LexRefusal);

/**
 * Scans the statement as the server's lexer does for quotes and comments. Refused: executable
 * comments (`/*!`, `/*M!`: the server runs their content, versions decide which), optimizer hints
 * (`/*+`), `--` not followed by a blank (the server reads it as two minus signs, some parsers as a
 * comment), unterminated quotes or comments, and NUL bytes.
 */
export function readAsServer(sql: string): ServerReading {
  let out = "";
  let at = 0;
  while (at < sql.length) {
    const ch = sql[at] as string;
    if (ch === "\u0000") return refuse("the statement holds a NUL byte", at);
    if (ch === "'" || ch === '"' || ch === "`") {
      const end = quotedEnd(sql, at, ch);
      if (end < 0) return refuse(`an unterminated ${ch} quote`, at);
      out += neutralLiteral(sql.slice(at, end), ch);
      at = end;
      continue;
    }
    if (ch === "/" && sql[at + 1] === "*") {
      const next = sql[at + 2];
      if (next === "!" || (next === "M" && sql[at + 3] === "!")) {
        return refuse(
          "an executable comment (/*! … */ or /*M! … */), whose content the server runs depending on its version; write the statement without it",
          at,
        );
      }
      if (next === "+") return refuse("an optimizer hint comment (/*+ … */)", at);
      const end = sql.indexOf("*/", at + 2);
      if (end < 0) return refuse("an unterminated /* comment", at);
      out += " ";
      at = end + 2;
      continue;
    }
    if (ch === "#") {
      at = lineEnd(sql, at);
      out += " ";
      continue;
    }
    if (ch === "-" && sql[at + 1] === "-") {
      const after = sql[at + 2];
      if (after === undefined || after === " " || after === "\t" || after === "\n" || after === "\r") {
        at = lineEnd(sql, at);
        out += " ";
        continue;
      }
      // MariaDB reads `--x` as minus minus x; a parser that reads a comment would see less.
      return refuse(
        "`--` not followed by a space, which the server reads as two minus signs; add a space or parentheses",
        at,
      );
    }
    out += ch;
    at += 1;
  }
  return { ok: true, text: out };
}

/**
 * A string whose content holds a backslash or an escaped quote is where readers disagree; the
 * server's boundaries are already decided here, so the parser gets a literal with none of them.
 * Its value is never a fact the policy reads (tables, columns and functions are not strings).
 */
function neutralLiteral(literal: string, quote: string): string {
  if (quote === "`") return literal;
  const content = literal.slice(1, -1);
  return content.includes("\\") || content.includes(quote) ? `${quote}(escaped)${quote}` : literal;
}

function refuse(reason: string, position: number): ServerReading {
  return { ok: false, reason, position };
}

function lineEnd(sql: string, from: number): number {
  const end = sql.indexOf("\n", from);
  return end < 0 ? sql.length : end;
}

/**
 * Index just past the closing quote. Strings ('…', "…" without ANSI_QUOTES) take backslash escapes
 * and a doubled quote; backquoted identifiers only the doubled quote. -1 when it never closes.
 */
function quotedEnd(sql: string, start: number, quote: string): number {
  let at = start + 1;
  while (at < sql.length) {
    const ch = sql[at];
    if (ch === "\\" && quote !== "`") {
      at += 2;
      continue;
    }
    if (ch === quote) {
      if (sql[at + 1] === quote) {
        at += 2;
        continue;
      }
      return at + 1;
    }
    at += 1;
  }
  return -1;
}

/**
 * The statement with every string literal ('…', "…") replaced, as the server bounds them (backslash
 * escapes, doubled quotes; comments skipped so a quote inside one starts nothing), for recordings
 * of statements whose typed values may be sensitive. Whatever cannot be bounded is cut off.
 */
export function redactLiterals(sql: string, placeholder: string): string {
  let out = "";
  let at = 0;
  while (at < sql.length) {
    const ch = sql[at] as string;
    const next = sql[at + 1];
    let end = at + 1;
    if (ch === "'" || ch === '"' || ch === "`") {
      end = quotedEnd(sql, at, ch);
      if (end < 0) return `${out}${ch}${placeholder}`;
      out += ch === "`" ? sql.slice(at, end) : `'${placeholder}'`;
      at = end;
      continue;
    }
    if (ch === "/" && next === "*") {
      const close = sql.indexOf("*/", at + 2);
      if (close < 0) return `${out}/*${placeholder}`;
      end = close + 2;
    } else if (ch === "#" || (ch === "-" && next === "-" && /[\s]/.test(sql[at + 2] ?? ""))) {
      end = lineEnd(sql, at);
    }
    out += sql.slice(at, end);
    at = end;
  }
  return out;
}
