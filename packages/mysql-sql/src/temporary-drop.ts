/**
 * `DROP TEMPORARY TABLE …` at the start of the text, which node-sql-parser's MariaDB grammar cannot
 * read (it knows only `DROP TABLE`), so agents' cleanup of their own scratch tables was refused.
 * TEMPORARY narrows a DROP: the server drops only temporary tables of those names (and fails
 * otherwise), where DROP TABLE would drop a base table too. So the grammar reads it as the DROP
 * TABLE of the same names, judged by every rule a DROP TABLE meets: it may refuse more than the
 * server would do, never less. The word is blanked, not cut, so positions stay the server's. Only
 * at the start of the (comment-free) text: anywhere else it could be inside a literal.
 */
const TEMPORARY_DROP = /^(\s*DROP\s+)TEMPORARY(\s+TABLE\b)/i;

/** The text the grammar reads for `text`: TEMPORARY blanked in a leading DROP TEMPORARY TABLE. */
export function withTemporaryDropAsDrop(text: string): string {
  const match = TEMPORARY_DROP.exec(text);
  if (!match) return text;
  const before = match[1] as string;
  return `${before}${" ".repeat("TEMPORARY".length)}${text.slice(before.length + "TEMPORARY".length)}`;
}
