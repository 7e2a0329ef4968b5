import type { ParsedStatements } from "@sluice/sql/facts";

/**
 * Statement kinds that create, drop, alter or rename nothing the catalog read lists (relations,
 * views, triggers, computed columns, foreign keys, grants). A stored function or trigger they run
 * cannot either: MariaDB refuses statements that commit inside them, which every such DDL does. Any
 * other kind (CREATE, DROP, ALTER, RENAME, TRUNCATE, GRANT, CALL of a procedure that may do DDL, and
 * every kind this list does not know) leaves the catalog to be read again: unknown means stale.
 */
const CATALOG_KEEPING_KINDS = new Set([
  "SELECT",
  "INSERT",
  "UPDATE",
  "DELETE",
  "SHOW",
  "EXPLAIN",
  "SET",
  "BEGIN",
  "COMMIT",
  "ROLLBACK",
]);

/**
 * Whether running the statement (every statement of a multi-statement packet, every kind nested in
 * each) may change what the catalog read lists; a statement not read (absent) or not readable may.
 */
export function mayChangeCatalog(parsed: ParsedStatements | undefined): boolean {
  if (parsed === undefined || !parsed.ok) return true;
  return !parsed.statements.every((facts) =>
    [facts.kind, ...facts.kinds].every((kind) => CATALOG_KEEPING_KINDS.has(kind)),
  );
}
