import type { StatementFacts } from "@sluice/sql/facts";
import { familyNamesFor, type SessionContext } from "./engine";
import { type ViewReads, viewReach } from "./view-reads";

/**
 * Why a read reaches a relation a TABLE rule on reads covers without naming it, or null: the
 * server reads a view's query in its place, through any number of views over views, so
 * `SELECT * FROM ov` with `ov` over orders reads orders, whoever created `ov` (the owner, or an
 * agent on a connection without the rule). A view Sluice cannot trace counts as reading every
 * table; without the catalog any relation may be such a view (fail closed, as for writes).
 */
export function readReach(
  facts: StatementFacts,
  session: SessionContext,
  isCovered: (name: string) => boolean,
): string | null {
  const { viewReads } = session;
  if (!viewReads) return null;
  // An inheriting child's or a partition's rows are its parent's: a view over one reads the other.
  const isCoveredSource = (source: { schema: string; table: string }) => {
    const name = `${source.schema}.${source.table}`;
    return [name, ...(session.families?.get(name) ?? [])].some(isCovered);
  };
  for (const table of facts.tablesRead) {
    for (const name of familyNamesFor(table, session)) {
      const reached = viewReach(viewReads, name, isCoveredSource);
      if (reached) {
        return `${facts.kind} reads through ${name} a table the rule covers${reached.why ? ` (${reached.why})` : ""}`;
      }
    }
  }
  return null;
}

/**
 * Whether a statement reads a relation the catalog holds as a view (or any relation, when the
 * catalog is unread): what such a read reaches can change with the view's definition, so a
 * prepared read of it is judged again per run. Plain tables are left out, keeping their repeated
 * verdicts.
 */
export function readsView(
  statements: readonly StatementFacts[],
  viewReads: ViewReads | undefined,
  session: SessionContext,
): boolean {
  if (!viewReads) return false;
  if (viewReads.unknownBecause !== undefined) return true;
  const key = (name: string) => (viewReads.isCaseFolded ? name.toLowerCase() : name);
  return statements.some((facts) =>
    facts.tablesRead.some((table) => familyNamesFor(table, session).some((name) => viewReads.has(key(name)))),
  );
}
