import type { StatementFacts } from "@sluice/sql/facts";
import { type CodeUncertainty, codeChangeOf } from "./code-freshness";
import type { SessionContext } from "./engine";
import { runsCodeOrPrepared } from "./unjudged-code";

/*
 * What this session's own statements did to relation names that the catalog, read from another
 * connection, cannot show yet (its transaction is open, or the read began before they ran): which
 * bare names they may have changed, and whether a row write's target is therefore unproven. The
 * names are kept by code-freshness.ts (until a catalog read catches up); the plain tables the open
 * transaction made, which prove themselves, by transaction-tables.ts.
 */

/** Stands for every name: a statement that may have given any relation any name. */
export const ANY_RELATION = "*";

/** Kinds that make a relation of the name they write (CREATE MATERIALIZED VIEW reads as CREATE TABLE AS). */
const CREATING_KINDS = new Set([
  "CREATE TABLE",
  "CREATE TABLE AS",
  "SELECT INTO",
  "CREATE VIEW",
  "CREATE SEQUENCE",
  "CREATE FOREIGN TABLE",
]);

/** Whether the statement makes a relation of each name it writes. */
export function createsRelations(facts: StatementFacts): boolean {
  return CREATING_KINDS.has(facts.kind) || facts.kinds.includes("SELECT INTO");
}

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

/**
 * Why a row write's target is not proven by the catalog, because of what this session itself did,
 * or null: it names a relation made in this transaction that the catalog cannot show, or a name
 * this session's DDL (or code nobody judged) may have changed. A plain table the open transaction
 * made and still trusts (transaction-tables.ts) is proven by its own CREATE. Write reach asks this
 * before following a write through the catalog's views, keys and families.
 */
export function unprovenRowTarget(facts: StatementFacts, session: SessionContext): string | null {
  const unknown = unknownRowTarget(facts, session);
  if (unknown !== null) {
    return `${facts.kind} writes ${unknown}, which the upstream's catalog does not hold even when read again: it was made in this transaction, or is not there at all, and Sluice cannot tell whether it is a view over a table the rule covers. Commit the statement that made it first`;
  }
  const changed = changedRowTarget(facts, session);
  if (changed !== null) {
    return `${facts.kind} writes ${changed}, which this session may have changed (its DDL, or DDL run by code Sluice did not judge: a function allowed by name, a trigger; not yet committed) in a way the upstream's catalog, read from another connection, cannot show yet: Sluice cannot tell whether it is now a view over, or in a family with, a table the rule covers. Commit first: the next transaction is judged by the catalog read again`;
  }
  return null;
}

/** Statement kinds that change rows of the relations they name (views write their sources). */
const ROW_WRITES = new Set(["INSERT", "UPDATE", "DELETE", "MERGE", "COPY", "TRUNCATE"]);

/**
 * A relation a row write names that the catalog snapshot does not hold, or null. The session reads
 * the catalog again before such a write (catalog-freshness.ts), so one still missing was made in
 * this transaction, out of the reader's sight (`CREATE TEMP VIEW v AS SELECT … FROM orders` then
 * `INSERT INTO v`, `bypass-fresh-pg-named-view.int.test.ts`), or does not exist; either way what it
 * writes through cannot be followed. Only where a snapshot-backed catalog is held (Postgres): a
 * front end without one is judged by `catalogUnreadBecause`. A plain table this transaction created
 * is known without the catalog, and a name it gave another relation is unknown whatever the catalog
 * holds: `CREATE TEMP VIEW notes AS SELECT … FROM orders` is found before public.notes
 * (transaction-tables.ts).
 */
function unknownRowTarget(facts: StatementFacts, session: SessionContext): string | null {
  const holds = session.columns?.holds;
  if (!holds || !facts.kinds.some((kind) => ROW_WRITES.has(kind))) return null;
  // A plain table this transaction created reaches nothing else: written, it is followed no further.
  const newTables = session.newTables;
  const unknown = facts.tablesWritten.find(
    (table) =>
      newTables?.isMadeHere(table) === true ||
      (!holds(table.schema, table.name) && newTables?.trusts(facts, table) !== true),
  );
  if (!unknown) return null;
  return unknown.schema === null ? unknown.name : `${unknown.schema}.${unknown.name}`;
}

/**
 * A relation a row write names that this session's own DDL may have changed out of the catalog's
 * sight, or null. The catalog (read from another connection) still holds what was committed: a
 * table this transaction dropped and made a view of the same name, a temporary view shadowing a
 * committed table, a table it made a child of a covered one. Matched by bare name (wherever the
 * path puts it, the name is the same), so it refuses more, never less, until the DDL is committed
 * and the catalog read again.
 */
function changedRowTarget(facts: StatementFacts, session: SessionContext): string | null {
  const changed = session.relationsChanged;
  if (!changed || changed.size === 0 || !session.columns?.holds) return null;
  if (!facts.kinds.some((kind) => ROW_WRITES.has(kind))) return null;
  const isAny = changed.has(ANY_RELATION);
  // A plain table the open transaction made, trusted while nothing else changed a relation in it
  // (transaction-tables.ts), is changed only by its own CREATE: its writes reach nothing else.
  const hit = facts.tablesWritten.find(
    (table) => (isAny || changed.has(table.name)) && session.newTables?.trusts(facts, table) !== true,
  );
  if (!hit) return null;
  return hit.schema === null ? hit.name : `${hit.schema}.${hit.name}`;
}
