import type { StatementFacts } from "@sluice/sql/facts";
import type { CodeUncertainty } from "./code-freshness";

/** Stands for every name: a statement that may have given any relation any name. */
export const ANY_RELATION = "*";

/**
 * Kinds whose only relation of their own is the one they create: what they read keeps its meaning
 * (`CREATE TEMP TABLE backup AS SELECT * FROM orders` leaves orders a plain table).
 */
const CREATES_FROM_READS = new Set(["CREATE TABLE AS", "SELECT INTO", "CREATE VIEW"]);

/**
 * The bare names of relations a statement may have changed in ways the catalog, read from another
 * connection, cannot show until the statement's transaction commits: created, replaced by a view
 * (`DROP TABLE mine; CREATE VIEW mine AS SELECT … FROM orders`), put ahead of another on the path
 * (`CREATE TEMP VIEW scratch …` over a committed `public.scratch`), made a child of another table
 * (`ALTER TABLE mine INHERIT orders`) or given rules and triggers. A statement that may rename or
 * move relations, or run code that may do anything (`routines`: RENAME, SET SCHEMA, DO, CALL,
 * CREATE EXTENSION …), changes every name. Empty for statements that change no code or relations.
 */
export function relationsChangedBy(facts: StatementFacts, change: CodeUncertainty | null): string[] {
  if (change === null) return [];
  if (change === "routines") return [ANY_RELATION];
  const isCreateFromReads = facts.kinds.every((kind) => CREATES_FROM_READS.has(kind) || kind === "SELECT");
  const tables = isCreateFromReads ? facts.tablesWritten : [...facts.tablesWritten, ...facts.tablesRead];
  // A DDL naming no relation (DROP SCHEMA … CASCADE, CREATE SCHEMA …) may change any of them.
  if (tables.length === 0) return [ANY_RELATION];
  return tables.map((table) => table.name);
}
