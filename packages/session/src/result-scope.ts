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
};

/** A statement the gateway knows nothing of (fail closed: everything computed is masked). */
export const UNKNOWN_SCOPE: ResultScope = Object.freeze({
  maskedTables: [],
  relations: [],
  isOriginUnknown: true,
});

/** Messages the gateway itself sends upstream read nothing. */
export const EMPTY_SCOPE: ResultScope = Object.freeze({ maskedTables: [], relations: [] });
