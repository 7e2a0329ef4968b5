/**
 * A deterministic corpus of SQL byte strings that stress where literals, identifiers, comments and
 * statements end: every quoting form PostgreSQL's lexer knows, with quotes, backslashes,
 * semicolons, comment markers and dollar tags inside, valid and invalid UTF-8, and GBK-style pairs
 * whose second byte is a backslash or a quote. `upper('executed')` marks code: a server that
 * returns EXECUTED ran it as code, so the gateway must have judged it as code.
 * @see https://github.com/postgres/postgres/blob/master/src/backend/parser/scan.l
 */

import { mulberry32 as seeded } from "../../../../test/mulberry32";

export const MARKER = "upper('executed')";
export const MARKER_RESULT = "EXECUTED";

type Piece = string | number[];

/** What can sit inside a literal, identifier or comment: each is a way some reader could end it early. */
const INNER: Piece[] = [
  "a",
  " ",
  ";",
  "'",
  "''",
  "\\",
  "\\'",
  "\\\\",
  "\\\\'",
  '"',
  '""',
  "$$",
  "$a$",
  "$b$",
  "/*",
  "*/",
  "--",
  "\n",
  "é",
  "€",
  "𝄞",
  MARKER,
  `'; SELECT ${MARKER}; --`,
  `\\'; SELECT ${MARKER}; --`,
  `$$; SELECT ${MARKER}; --`,
  `*/ SELECT ${MARKER}; /*`,
  `"; SELECT ${MARKER}; --`,
  "!0027",
  "\\0027",
  "\\x27",
  "\\047",
  "\\u0027",
  "E'",
  "U&'",
  // GBK, SJIS and BIG5 lead bytes before a backslash or a quote: one character in those encodings.
  [0xbf, 0x5c],
  [0x81, 0x5c],
  [0x95, 0x5c],
  [0xa4, 0x5c],
  [0xbf, 0x27],
  // Invalid UTF-8: overlong quote and backslash, a lone continuation, a truncated sequence, a surrogate.
  [0xc0, 0xa7],
  [0xc1, 0x9c],
  [0xe0, 0x80, 0xa7],
  [0xbf],
  [0xe2, 0x82],
  [0xed, 0xa0, 0x80],
  [0xff],
];

export function generateLexerCorpus(seed: number, count: number): Buffer[] {
  const random = seeded(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const chance = (p: number) => random() < p;

  const inner = (): Piece[] => {
    const pieces: Piece[] = [];
    const length = 1 + Math.floor(random() * 4);
    // Mostly valid UTF-8, so most strings exercise the lexer rather than the encoding check.
    for (let i = 0; i < length; i++) {
      let piece = pick(INNER);
      while (Array.isArray(piece) && piece.some((b) => b >= 0x80) && chance(0.95)) piece = pick(INNER);
      pieces.push(piece);
    }
    return pieces;
  };

  /** Half the time the content is escaped as the form requires, so valid literals hold the traps. */
  const content = (escapeFor: (text: string) => string): Piece[] => {
    const pieces = inner();
    if (chance(0.5)) return pieces;
    return pieces.map((piece) => (typeof piece === "string" ? escapeFor(piece) : piece));
  };
  const doubled = (quote: string) => (text: string) => text.replaceAll(quote, quote + quote);

  const item = (): Piece[] => {
    switch (Math.floor(random() * 10)) {
      case 0:
        return ["'", ...content(doubled("'")), "'"];
      case 1:
        return ["E'", ...content((t) => t.replaceAll("\\", "\\\\").replaceAll("'", "\\'")), "'"];
      case 2:
        return ["e'", ...content((t) => t.replaceAll("\\", "\\\\").replaceAll("'", "''")), "'"];
      case 3: {
        const isBang = chance(0.5);
        const escaped = (t: string) =>
          (isBang ? t.replaceAll("!", "!!") : t.replaceAll("\\", "\\\\")).replaceAll("'", "''");
        return ["U&'", ...content(escaped), "'", isBang ? " UESCAPE '!'" : ""];
      }
      case 4: {
        const tag = pick(["", "a", "b", "_x1"]);
        return [`$${tag}$`, ...content((t) => t.replaceAll(`$${tag}$`, "$ $")), `$${tag}$`];
      }
      case 5:
        return ['"', ...content(doubled('"')), '"'];
      case 6:
        return [
          "/*",
          ...content((t) => t.replaceAll("/*", "/ *").replaceAll("*/", "* /")),
          chance(0.3) ? "/* */" : "",
          "*/ 1",
        ];
      case 7:
        return ["1 --", ...content((t) => t.replaceAll("\n", " ")), "\n"];
      case 8:
        return [chance(0.5) ? "B'101'" : "X'1F'"];
      default:
        return [MARKER];
    }
  };

  const statement = (): Piece[] => {
    const pieces: Piece[] = ["SELECT ", ...item()];
    if (chance(0.4)) pieces.push(", ", ...item());
    if (chance(0.3)) pieces.push(" AS v");
    return pieces;
  };

  const corpus: Buffer[] = [];
  for (let n = 0; n < count; n++) {
    const pieces: Piece[] = [...statement()];
    const more = Math.floor(random() * 3);
    for (let i = 0; i < more; i++) pieces.push(pick([";", "; ", ";\n", ";;"]), ...statement());
    if (chance(0.3)) pieces.push(";", ` SELECT ${MARKER}`);
    if (chance(0.2)) pieces.push(pick([";", " -- trailing", " /* open", "'", "$$"]));
    corpus.push(toBytes(pieces));
  }
  return corpus;
}

function toBytes(pieces: Piece[]): Buffer {
  return Buffer.concat(
    pieces.map((piece) => (typeof piece === "string" ? Buffer.from(piece) : Buffer.from(piece))),
  );
}
