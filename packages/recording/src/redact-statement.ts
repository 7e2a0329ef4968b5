import { type DetectorRule, maskDetected } from "@sluice/masking/content-masker";
import { DETECTOR_NAMES } from "@sluice/masking/detectors";
import { REDACTED_TEXT } from "@sluice/masking/strategies";

const EVERY_DETECTOR: DetectorRule[] = DETECTOR_NAMES.map((detector) => ({
  name: detector,
  detector,
  strategy: "REDACT",
}));
const NO_KEY = Buffer.alloc(32);

/**
 * Replaces a statement's string constants and comments, bounded as its server's lexer bounds them
 * (`@sluice/sql/redact-literals` for PostgreSQL, `@sluice/mysql-sql/server-lexing` for MariaDB):
 * a quote read by another dialect's rules could end early and leave a value in clear.
 */
export type LiteralRedactor = (sql: string, placeholder: string) => string;

/**
 * The statement text as a recording or a review row keeps it. An agent can type a sensitive value
 * into its SQL (`WHERE ssn = '…'`): literals (and comments) are redacted by `redactLiterals` when the
 * statement touches masked tables or was refused or held (pass null otherwise), and anything a
 * content detector recognises is redacted always, so no clear value is kept this way.
 */
export function redactStatement(sql: string, redactLiterals: LiteralRedactor | null): string {
  const literalsRedacted = redactLiterals ? redactLiterals(sql, REDACTED_TEXT) : sql;
  return maskDetected(literalsRedacted, EVERY_DETECTOR, NO_KEY) ?? literalsRedacted;
}

/** Statements longer than this (UTF-16 units) are not remembered by `LastRedaction`. */
const MAX_REMEMBERED_STATEMENT = 64 * 1024;

/**
 * `redactStatement` with the last statement's answer remembered: a driver that parses each query
 * unnamed (the extended protocol's usual way) or an agent polling sends the same text again and
 * again, and the lexer and every detector would read it again each time (a `$1` took libpg-query's
 * scanner, about 20 µs). The key is all the answer depends on: the exact text and the lexer (null
 * when literals stay), so two statements that could redact differently never share it. One per
 * session recorder, never shared between sessions; a long statement is not kept alive for the next.
 */
export class LastRedaction {
  private sql: string | null = null;
  private redactLiterals: LiteralRedactor | null = null;
  private recorded = "";

  of(sql: string, redactLiterals: LiteralRedactor | null): string {
    if (sql === this.sql && redactLiterals === this.redactLiterals) return this.recorded;
    const recorded = redactStatement(sql, redactLiterals);
    if (sql.length > MAX_REMEMBERED_STATEMENT) {
      this.sql = null;
      return recorded;
    }
    this.sql = sql;
    this.redactLiterals = redactLiterals;
    this.recorded = recorded;
    return recorded;
  }
}
