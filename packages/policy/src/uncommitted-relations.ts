import type { StatementFacts } from "@sluice/sql/facts";
import { type CodeUncertainty, codeChangeOf } from "./code-freshness";
import type { SessionContext } from "./engine";
import { runsCodeOrPrepared } from "./unjudged-code";

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

/** What `mayRunUnseenDdl` reads of the session. */
type UnseenDdlContext = Pick<SessionContext, "searchPath" | "isPathComputed" | "upstreamCode" | "prepared">;

/**
 * Whether running the statement may make the server run DDL its own facts do not show, so that any
 * bare name may mean something else afterwards: it runs code the gateway did not judge (a function
 * allowed by name, a trigger or row security policy on a table it names, an `executes-sql`
 * built-in an admin allowed), any of which may `CREATE TEMP VIEW scratch AS SELECT … FROM orders`
 * or put a schema of its own ahead on the path.
 */
export function mayRunUnseenDdl(facts: StatementFacts, session: UnseenDdlContext): boolean {
  return runsCodeOrPrepared(facts, session);
}

/**
 * The bare names changed out of the catalog's sight once `statements` have run, after `pending`
 * (the session's changes so far): what each statement's DDL names, and every name after one that
 * may run DDL unseen (`mayRunUnseenDdl`; not followed without `session`).
 */
export function relationsChangedAfter(
  statements: readonly StatementFacts[],
  pending: ReadonlySet<string>,
  session: UnseenDdlContext | null,
): Set<string> {
  const changed = new Set(pending);
  for (const facts of statements) {
    if (changed.has(ANY_RELATION)) break;
    if (session && mayRunUnseenDdl(facts, session)) changed.add(ANY_RELATION);
    for (const name of relationsChangedBy(facts, codeChangeOf(facts))) changed.add(name);
  }
  return changed;
}
