import type { RoutineRef } from "@sluice/sql/facts";

/**
 * What the owner's code a write fires writes in turn, for a TABLE rule on writes (see
 * write-reach.ts), from a front end that reads the code's bodies (MySQL's triggers): `INSERT INTO
 * customers …` whose trigger runs `UPDATE orders …` writes orders. Keyed by `schema.table`
 * (lower-cased when `isCaseFolded`), each piece with the tables it writes and the functions it
 * calls (a stored function may write anything: it counts unless trusted), or why Sluice cannot
 * judge it (then it counts as writing every table). `unknownBecause` is set when the code itself
 * is unknown: then any write may reach any table.
 */
export type OwnerWrites = ReadonlyMap<string, readonly OwnerWrite[]> & {
  readonly isCaseFolded?: boolean;
  readonly unknownBecause?: string;
  /**
   * Why a relation's triggers may be missing from the map (MySQL lists them only to a login
   * holding TRIGGER on the table), or null; such a relation counts as writing every table.
   * `isNamed`: the statement names it itself. Absent: the map lists every trigger.
   */
  readonly whyTriggersUnseen?: (name: string, isNamed: boolean) => string | null;
};

/** One piece of code a write to a relation runs: a trigger, as `trigger name (AFTER INSERT)`. */
export type OwnerWrite = { source: string; via: string } & (
  | { writes: readonly string[]; calls: readonly RoutineRef[] }
  | { whyUnjudged: string }
);

/** Nothing known of the code writes run: each write may reach every table (fail closed). */
export function unknownOwnerWrites(reason: string): OwnerWrites {
  return Object.assign(new Map<string, readonly OwnerWrite[]>(), {
    isCaseFolded: true,
    unknownBecause: reason,
  });
}
