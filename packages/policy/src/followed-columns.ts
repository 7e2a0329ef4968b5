import type { ForeignKeyCascades } from "./foreign-key-cascades";
import { type GeneratedColumns, UNKNOWN_GENERATED } from "./generated-columns";
import { type OwnerWrites, unknownOwnerWrites } from "./owner-writes";
import { unknownViewReads, type ViewReads } from "./view-reads";

/**
 * What a front end whose catalog is not a `columns` snapshot (MySQL) checks against the upstream
 * before judging a statement whose rules follow columns: the columns computed from others
 * (generated columns) and what each view reads. Review rules, COLUMN guardrails, strict mode and
 * the masked-copy guard follow a column into both.
 */
export type FollowedColumns = {
  generated: GeneratedColumns;
  viewReads: ViewReads;
  /** Tables writes change through foreign keys' cascades; absent when the read did not list keys. */
  cascades?: ForeignKeyCascades;
  /** What the triggers writes fire write in turn; absent from a front end that does not read them. */
  ownerWrites?: OwnerWrites;
};

/** Why nothing is known when the catalog could not be read (shown in the verdicts it causes). */
export const CATALOG_UNREAD = "the upstream's catalog could not be read";

/** Nothing known (fail closed): any column computed from any other, any relation a view reading anything. */
export function unknownFollowedColumns(reason: string = CATALOG_UNREAD): FollowedColumns {
  return {
    generated: UNKNOWN_GENERATED,
    viewReads: unknownViewReads(reason),
    ownerWrites: unknownOwnerWrites(reason),
  };
}
