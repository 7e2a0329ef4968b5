/**
 * Safe by what the catalog says a function is for: each flag is computed by the generator's query.
 * A name in CLASSIFIED_NAMES keeps its class whatever these say.
 */
export const SAFE_BY_ROLE: ReadonlyArray<{ flag: string; why: string }> = [
  { flag: "is_aggregate", why: "an aggregate or window function: computes over its input rows" },
  { flag: "implements_operator", why: "implements a built-in operator or its selectivity estimate" },
  { flag: "is_type_support", why: "a type's input, output, send, receive, typmod or analyze function" },
  { flag: "is_cast", why: "implements a built-in cast" },
  { flag: "is_index_support", why: "an index access method's support function" },
  { flag: "is_aggregate_support", why: "an aggregate's transition, final, combine or (de)serial function" },
  { flag: "takes_internal", why: "takes an `internal` argument: SQL cannot pass it a value" },
  { flag: "returns_handler", why: "returns trigger or a handler type: only the server can call it" },
];
