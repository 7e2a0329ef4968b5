import { type MaskingReading, readStatementForMasking } from "@sluice/mysql-sql/masking-shape";
import { MAX_STATEMENT_BYTES, statementTooLong, unjudgeable } from "@sluice/policy/statement-limits";
import type { Verdict } from "@sluice/policy/verdict";

type DenyVerdict = Extract<Verdict, { kind: "deny" }>;

/** Reads a statement off the event loop (the gateway's parse pool with MySQL's reader); rejects when it cannot. */
export type MySqlReadingOffloader = (sql: string) => Promise<MaskingReading>;

export type StatementReadingOptions = {
  /** The longest statement judged, in UTF-8 bytes (MAX_STATEMENT_BYTES when absent). */
  maxStatementBytes?: number;
  /** Absent: every statement is read on the event loop (tests, tools). */
  offload?: MySqlReadingOffloader;
  /** Statements longer than this (in characters) are read by `offload`. */
  offloadAboveChars?: number;
};

/**
 * How the relay reads a statement before judging it (masking's shape, the kinds a session using the
 * catalog needs): the size bounded before any reading, and a large statement read off the event
 * loop, so one session's megabytes never stall the others. A statement that cannot be read off the
 * loop (the queue is full, its thread died) is refused, never read on it.
 */
export class StatementReading {
  constructor(private readonly options: StatementReadingOptions = {}) {}

  /** The refusal of a statement over the size limit, or null. Checked before anything reads it. */
  tooLong(sql: string): DenyVerdict | null {
    return statementTooLong(sql, this.options.maxStatementBytes ?? MAX_STATEMENT_BYTES);
  }

  /** The statement's facts and masking shape, or the refusal of a statement that could not be read. */
  read(sql: string): MaskingReading | Promise<MaskingReading | DenyVerdict> {
    const { offload, offloadAboveChars } = this.options;
    if (offload && offloadAboveChars !== undefined && sql.length > offloadAboveChars) {
      return offload(sql).catch(unjudgeable);
    }
    return readStatementForMasking(sql);
  }
}
