import type { FieldInfo } from "@sluice/masking/row-description";
import type { MaskPlan } from "@sluice/masking/row-masker";
import { NO_FORMATS } from "./pairing-bytes";
import { type ResultScope, UNKNOWN_SCOPE } from "./result-scope";

/**
 * A statement as the server knows it: the scope its verdict gave and, once a Describe of it was
 * answered, its columns (formats not yet known: a Bind chooses them).
 */
export type StatementEntry = { scope: ResultScope; fields: FieldInfo[] | null; isDescribeAsked: boolean };

/**
 * Whatever produces rows: a portal (Bind → Execute) or one result of a simple Query. Its columns
 * come from its own RowDescription, or from its statement's with the Bind's result formats.
 */
export type ResultSource = {
  scope: ResultScope;
  fields: FieldInfo[] | null;
  statement: StatementEntry | null;
  resultFormats: readonly number[];
  isDescribeAsked: boolean;
  /**
   * The masker's plan for these rows, once made ("clean": its rows pass as they are; see
   * `ResultMasker.planOf`). Kept on the source, so it lives exactly as long as the portal: a
   * WeakMap entry per Bind cost every new portal V8's ephemeron write barrier, and the
   * young-generation collector a pass over the map. Two fields, not a record of both: one object
   * fewer per Bind.
   */
  plan: MaskPlan | "clean" | null;
  /** The masking key `plan` was made under (null: none held while it was made). */
  planKey: object | null;
};

/** The portal a Bind creates: its statement's scope (none known: fail closed) and result formats. */
export function boundPortal(
  statement: StatementEntry | null,
  resultFormats: readonly number[],
): ResultSource {
  return source(statement?.scope ?? UNKNOWN_SCOPE, null, statement, resultFormats, false);
}

/** A portal executed by a name no Bind through the gateway gave (a SQL cursor): from nowhere known. */
export function unboundPortal(): ResultSource {
  return source(UNKNOWN_SCOPE, null, null, NO_FORMATS, false);
}

/** One result of a simple Query, once its RowDescription came. */
export function queryResult(scope: ResultScope, fields: FieldInfo[]): ResultSource {
  return source(scope, fields, null, NO_FORMATS, true);
}

/** Every source is made by this one literal: one object shape, so the masker's reads of it stay monomorphic. */
function source(
  scope: ResultScope,
  fields: FieldInfo[] | null,
  statement: StatementEntry | null,
  resultFormats: readonly number[],
  isDescribeAsked: boolean,
): ResultSource {
  return { scope, fields, statement, resultFormats, isDescribeAsked, plan: null, planKey: null };
}

/**
 * The columns of rows a source produces: its own RowDescription, or its statement's with the
 * Bind's result formats applied (none: all text; one: all alike; else one per column).
 */
export function fieldsOf(source: ResultSource): FieldInfo[] | null {
  if (source.fields) return source.fields;
  const described = source.statement?.fields;
  if (!described) return null;
  const formats = source.resultFormats;
  return described.map((field, i) => ({
    ...field,
    format: formats.length === 0 ? 0 : formats.length === 1 ? (formats[0] as number) : (formats[i] ?? 0),
  }));
}
