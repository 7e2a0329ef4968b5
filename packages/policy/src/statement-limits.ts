import type { Verdict } from "./verdict";

/**
 * The longest statement the gateway judges, in UTF-8 bytes. Parsing holds the statement's whole
 * tree in memory (an 8.5 MB IN list took the gateway from 256 to 690 MB), so the size is bounded
 * before any parsing; PostgreSQL itself would accept up to 1 GB.
 */
export const MAX_STATEMENT_BYTES = 16 * 1024 * 1024;

type Denial = Extract<Verdict, { kind: "deny" }>;

/** A refusal for a statement over the limit (SQLSTATE 54000, program_limit_exceeded), or null. */
export function statementTooLong(sql: string, maxBytes: number): Denial | null {
  // Characters bound bytes from below (and from above at 3 per UTF-16 unit): most never need counting.
  if (sql.length <= maxBytes / 3) return null;
  const bytes = Buffer.byteLength(sql);
  if (bytes <= maxBytes) return null;
  return {
    kind: "deny",
    rule: "sluice:statement-too-long",
    code: "54000",
    message: `statement too long: ${bytes} bytes, the gateway judges at most ${maxBytes}`,
    hint: "send the values in smaller batches, or as parameters of a prepared statement",
  };
}

/** A statement whose facts could not be worked out off the event loop is refused: fail closed. */
export function unjudgeable(error: unknown): Denial {
  const isBusy = (error as { isBusy?: boolean } | null)?.isBusy === true;
  return {
    kind: "deny",
    rule: "sluice:unjudgeable",
    // 53000 insufficient_resources: the client may retry; 54001 statement_too_complex: it may not.
    code: isBusy ? "53000" : "54001",
    message: `the statement could not be judged, so it was not run: ${error instanceof Error ? error.message : String(error)}`,
  };
}

/**
 * The statement needed a fresh read of the upstream's catalog (the one held was too old, or did not
 * hold a relation it names) and the read failed: judged by the old one, a trigger or view made
 * since would go unseen, so it is refused. 53000: the client may try again.
 */
export function staleCatalogDenial(error: unknown): Denial {
  return {
    kind: "deny",
    rule: "sluice:unjudgeable",
    code: "53000",
    message: `the statement was not run: it needed a fresh read of the upstream's catalog, which failed (${error instanceof Error ? error.message : String(error)}), and the catalog read before may no longer be what the server has`,
  };
}
