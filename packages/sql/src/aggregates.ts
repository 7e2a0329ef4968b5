/** Aggregates are recognised by name (the catalog is not consulted); window calls by OVER. */
export const AGGREGATE_NAMES = new Set([
  "count",
  "sum",
  "avg",
  "min",
  "max",
  "array_agg",
  "string_agg",
  "json_agg",
  "jsonb_agg",
  "json_object_agg",
  "jsonb_object_agg",
  "bool_and",
  "bool_or",
  "every",
  "bit_and",
  "bit_or",
  "stddev",
  "stddev_pop",
  "stddev_samp",
  "variance",
  "var_pop",
  "var_samp",
  "percentile_cont",
  "percentile_disc",
  "mode",
  "xmlagg",
  "corr",
  "covar_pop",
]);

/**
 * The clause a call's arguments are read in, for both dialects' lineage: a window call's and an
 * aggregate's arguments are in clauses of their own, since `max(ssn)`, `string_agg(ssn ORDER BY
 * ssn)` or `first_value(ssn) OVER (…)` answer questions about every row's value (strict mode
 * refuses them as oracles: ORACLE_CLAUSES in policy's masking-scope.ts); any other call's
 * arguments are read where the call stands.
 */
export function callArgumentClause(
  clause: string,
  call: { isWindow: boolean; isAggregate: boolean },
): string {
  if (call.isWindow) return "window";
  return call.isAggregate ? "aggregate" : clause;
}
