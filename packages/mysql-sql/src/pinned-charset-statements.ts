import type { StatementFacts } from "@sluice/sql/facts";
import { preGrammarFacts } from "./pre-grammar-facts";

/**
 * `SET NAMES utf8mb4 [COLLATE utf8mb4_…]` and `SET CHARACTER SET|CHARSET utf8mb4`: the grammar
 * cannot read them, and drivers send them at connect (PyMySQL, hence SQLAlchemy's mysql+pymysql,
 * always runs `SET NAMES <charset>`). Naming the character set the gateway already pinned at the
 * upstream login (see pinned-modes.ts) changes nothing about how the server lexes later statements,
 * so it is accepted and forwarded; a collation only changes how strings compare, not how they are
 * read. Any other character set stays refused (extract-facts.ts): a multibyte set such as gbk or
 * big5 can swallow a backslash into a character. The whole statement must be exactly this form
 * (comments already replaced by blanks), so nothing else rides along.
 * @see https://mariadb.com/kb/en/set-names/
 */
const QUOTED = (word: string) => `(?:${word}|'${word}'|"${word}"|\`${word}\`)`;
const PINNED_CHARSET_FORM = new RegExp(
  `^\\s*SET\\s+(?:NAMES\\s+${QUOTED("utf8mb4")}(?:\\s+COLLATE\\s+${QUOTED("utf8mb4_[a-z0-9_]+")})?` +
    `|(?:CHARACTER\\s+SET|CHARSET)\\s+${QUOTED("utf8mb4")})\\s*;?\\s*$`,
  "i",
);

/** The facts of a SET NAMES that restates the pinned utf8mb4, or null when the text is anything else. */
export function pinnedCharsetSet(text: string): StatementFacts | null {
  if (!PINNED_CHARSET_FORM.test(text)) return null;
  return preGrammarFacts("SET");
}

/** `SET NAMES x` / `SET CHARACTER SET x` naming anything (the grammar reads neither form). */
const ANY_CHARSET_FORM = /^\s*SET\s+(?:NAMES|CHARACTER\s+SET|CHARSET)\b/i;

/**
 * Why a SET NAMES of another character set is refused, so the agent reads that the character set is
 * pinned instead of a syntax error; null for every other text (pinnedCharsetSet has accepted utf8mb4).
 */
export function otherCharsetRefusal(text: string): string | null {
  if (!ANY_CHARSET_FORM.test(text)) return null;
  return "the character set is pinned by Sluice (utf8mb4): another one would make the server read statements differently from the gateway; leave it as it is";
}
