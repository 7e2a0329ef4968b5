import type { StatementFacts } from "@sluice/sql/facts";
import { preGrammarFacts } from "./pre-grammar-facts";

const NAME = "(?:`(?:[^`]|``)+`|[A-Za-z0-9_$]+)";
const LIKE = "'(?:[^'\\\\]|'')*'";

/**
 * `SHOW [FULL] TABLES [FROM|IN db] [LIKE 'pattern']`: the grammar cannot read FULL or FROM, and
 * SQLAlchemy's `inspect().get_table_names()` (so LangChain's SQLDatabase on MySQL) asks exactly
 * this. It lists table names and kinds, never a row's values. The whole statement must be this form
 * (comments already replaced by blanks), with no WHERE, whose expression could run anything; the
 * LIKE pattern takes no backslash, so its end is where every reader sees it.
 * @see https://mariadb.com/kb/en/show-tables/
 */
const SHOW_TABLES_FORM = new RegExp(
  `^\\s*SHOW\\s+(?:FULL\\s+)?TABLES(?:\\s+(?:FROM|IN)\\s+${NAME})?(?:\\s+LIKE\\s+${LIKE})?\\s*;?\\s*$`,
  "i",
);

/** The facts of a SHOW TABLES, or null when the text is anything else. */
export function showTables(text: string): StatementFacts | null {
  if (!SHOW_TABLES_FORM.test(text)) return null;
  return preGrammarFacts("SHOW");
}
