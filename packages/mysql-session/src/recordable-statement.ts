import { REDACTED_TEXT } from "@sluice/masking/strategies";
import { redactLiterals } from "@sluice/mysql-sql/server-lexing";
import type { Verdict } from "@sluice/policy/verdict";

/**
 * The statement as audit and recording keep it: its literals redacted as MariaDB bounds them when
 * it was refused, held or read masked values (the recorder's own redaction reads PostgreSQL's
 * quoting, where `'a\'b'` ends early and `"…"` is a name).
 */
export function recordableStatement(sql: string, verdict: Verdict): string {
  const isSensitive = verdict.kind !== "allow" || (verdict.maskedTables?.length ?? 0) > 0;
  return isSensitive ? redactLiterals(sql, REDACTED_TEXT) : sql;
}
