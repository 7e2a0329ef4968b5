/**
 * What the gateway knows of where one statement's result values come from, as its verdict said:
 * the masking of its rows, errors and notices is decided from this, never from another statement's.
 */
export type ResultScope = {
  /** Tables with masking rules the statement reads. */
  maskedTables: readonly string[];
  /** For every relation it touches, the names the server could resolve it to. */
  relations: readonly (readonly string[])[];
  /** Per output column: provably computed from no masked column. */
  cleanOutputs?: readonly boolean[];
  /**
   * Its rows come from something the gateway never saw judged (a portal it never saw bound, such as
   * a SQL cursor executed by name): computed columns cannot be traced.
   */
  isOriginUnknown?: boolean;
  /** Its rows may be another portal's, named in SQL (FETCH): see `withPortalsRead`. */
  fetchesPortals?: true;
  /** It may close or replace portals by SQL (CLOSE, DECLARE, the end of a (sub)transaction). */
  dropsPortals?: true;
};

/** A statement the gateway knows nothing of (fail closed: everything computed is masked). */
export const UNKNOWN_SCOPE: ResultScope = Object.freeze({
  maskedTables: [],
  relations: [],
  isOriginUnknown: true,
});

/** Messages the gateway itself sends upstream read nothing. */
export const EMPTY_SCOPE: ResultScope = Object.freeze({ maskedTables: [], relations: [] });

/**
 * The scope of a FETCH or MOVE whose rows may come from any of `portals` (SQL reads a portal a
 * Bind made as readily as a DECLAREd cursor, whose scopes the verdict already carries): every
 * one's masked tables and relations come along, and its own lineage no longer describes the rows.
 */
export function withPortalsRead(scope: ResultScope, portals: Iterable<{ scope: ResultScope }>): ResultScope {
  const maskedTables = new Set(scope.maskedTables);
  const relations = [...scope.relations];
  let isOriginUnknown = scope.isOriginUnknown === true;
  let isWidened = false;
  for (const portal of portals) {
    if (portal.scope === scope) continue;
    isWidened = true;
    for (const table of portal.scope.maskedTables) maskedTables.add(table);
    relations.push(...portal.scope.relations);
    if (portal.scope.isOriginUnknown) isOriginUnknown = true;
  }
  if (!isWidened) return scope;
  return {
    maskedTables: [...maskedTables],
    relations,
    ...(isOriginUnknown ? { isOriginUnknown } : {}),
    fetchesPortals: true,
    ...(scope.dropsPortals ? { dropsPortals: true as const } : {}),
  };
}
