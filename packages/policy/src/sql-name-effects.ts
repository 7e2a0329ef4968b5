import type { StatementFacts } from "@sluice/sql/facts";

/**
 * What a statement does by SQL to the names the extended protocol uses. SQL cursors and protocol
 * portals are one namespace on the server, and so are SQL PREPAREd and protocol-Parsed
 * statements: FETCH and MOVE read a portal a Bind made, CLOSE drops one, DECLARE makes one under a
 * name a Bind used before, the end of a transaction (or of a subtransaction, ROLLBACK TO) drops
 * those it made, even inside one pipeline where no ReadyForQuery tells the gateway; DEALLOCATE and
 * DISCARD drop a Parse's statement, whose name a SQL PREPARE can then give another statement. The
 * front end keeps what it judged and the masking scope by name, so it needs to know when SQL reads
 * or replaces one behind the protocol's back.
 * @see https://www.postgresql.org/docs/current/sql-declare.html ("Notes": cursors are portals)
 * @see https://www.postgresql.org/docs/current/sql-prepare.html
 */
export type SqlNameEffects = {
  /** It returns rows of a portal named in SQL (FETCH, MOVE), which may be one a Bind made. */
  fetchesPortals?: true;
  /** A portal that existed before it may be gone or another one after it. */
  dropsPortals?: true;
  /** Prepared statements it may drop: by name (DEALLOCATE name), or all (DEALLOCATE ALL, DISCARD). */
  dropsPrepared?: readonly string[] | "all";
};

const FETCHING_KINDS = new Set(["FETCH", "MOVE"]);
/** Kinds that close, replace or end the life of portals (BEGIN, SAVEPOINT and RELEASE drop none). */
const DROPPING_KINDS = new Set([
  "CLOSE",
  "DECLARE",
  "COMMIT",
  "ROLLBACK",
  "PREPARE TRANSACTION",
  "DISCARD",
  "TRANSACTION",
]);

export function sqlNameEffects(statements: readonly StatementFacts[]): SqlNameEffects {
  const kinds = statements.flatMap((facts) => facts.kinds);
  const dropsPrepared = preparedDropped(statements);
  return {
    ...(kinds.some((kind) => FETCHING_KINDS.has(kind)) ? { fetchesPortals: true as const } : {}),
    ...(kinds.some((kind) => DROPPING_KINDS.has(kind)) ? { dropsPortals: true as const } : {}),
    ...(dropsPrepared ? { dropsPrepared } : {}),
  };
}

function preparedDropped(statements: readonly StatementFacts[]): readonly string[] | "all" | null {
  const names: string[] = [];
  for (const facts of statements) {
    if (facts.kinds.includes("DISCARD")) return "all";
    if (!facts.kinds.includes("DEALLOCATE")) continue;
    // DEALLOCATE ALL names none (its facts carry ""): it and any DEALLOCATE the facts cannot name
    // count as ALL (fail closed).
    if (facts.kind !== "DEALLOCATE" || !facts.preparedName) return "all";
    names.push(facts.preparedName);
  }
  return names.length > 0 ? names : null;
}
