import type { StatementFacts } from "@sluice/sql/facts";
import { preGrammarFacts } from "./pre-grammar-facts";

/**
 * `SHOW WARNINGS`, `SHOW ERRORS` (with LIMIT) and `SHOW COUNT(*) WARNINGS|ERRORS`: the grammar
 * cannot read them, and clients (the mariadb CLI's \W, ORMs) ask for them after statements. The
 * whole statement must be exactly one of these forms (comments already replaced by blanks), so no
 * other text rides along; the session masks their answer like its previous statement's.
 * @see https://mariadb.com/kb/en/show-warnings/
 */
const DIAGNOSTICS_FORM =
  /^\s*SHOW\s+(?:(?:WARNINGS|ERRORS)(?:\s+LIMIT\s+\d+(?:\s*,\s*\d+)?)?|COUNT\s*\(\s*\*\s*\)\s+(?:WARNINGS|ERRORS))\s*;?\s*$/i;

/** The facts of a diagnostics SHOW, or null when the text is anything else. */
export function diagnosticsShow(text: string): StatementFacts | null {
  if (!DIAGNOSTICS_FORM.test(text)) return null;
  return preGrammarFacts("SHOW");
}
