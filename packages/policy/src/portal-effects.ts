import type { StatementFacts } from "@sluice/sql/facts";

/**
 * What a statement does to the session's portals by SQL. SQL cursors and the extended protocol's
 * portals are one namespace on the server: FETCH and MOVE read a portal a Bind made, CLOSE drops
 * one, DECLARE makes one under a name a Bind used before, and the end of a transaction (or of a
 * subtransaction, ROLLBACK TO) drops those it made, even inside one pipeline where no
 * ReadyForQuery tells the gateway. The front end keeps each portal's masking scope by name, so it
 * needs to know when SQL reads or replaces one behind the protocol's back.
 * @see https://www.postgresql.org/docs/current/sql-declare.html ("Notes": cursors are portals)
 */
export type PortalEffects = {
  /** It returns rows of a portal named in SQL (FETCH, MOVE), which may be one a Bind made. */
  fetchesPortals?: true;
  /** A portal that existed before it may be gone or another one after it. */
  dropsPortals?: true;
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

export function portalEffects(statements: readonly StatementFacts[]): PortalEffects {
  const kinds = statements.flatMap((facts) => facts.kinds);
  return {
    ...(kinds.some((kind) => FETCHING_KINDS.has(kind)) ? { fetchesPortals: true as const } : {}),
    ...(kinds.some((kind) => DROPPING_KINDS.has(kind)) ? { dropsPortals: true as const } : {}),
  };
}
