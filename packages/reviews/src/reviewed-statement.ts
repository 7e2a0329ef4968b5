import { redactLiterals as redactMySqlLiterals } from "@sluice/mysql-sql/server-lexing";
import type { ReviewRequest } from "@sluice/policy/decision-point";
import { redactStatement } from "@sluice/recording/redact-statement";
import { redactLiterals as redactPostgresLiterals } from "@sluice/sql/redact-literals";
import { type ReviewedCallKeys, reviewedCallHash } from "./reviewed-call-seal";

/** A statement as its review row, audit rows and webhook keep it, and the hash that finds it again. */
export type ReviewedStatement = { shown: string; hash: string };

/**
 * An agent can type a sensitive value into the statement it sends (`INSERT … VALUES ('123-45-6789')`),
 * and a held statement's review row is read by reviewers, the audit log and webhooks. Like the
 * recording, the row keeps the statement with what a content detector recognises redacted, and
 * every string literal and comment redacted (bounded by the statement's own server's lexer) when the
 * statement touches masked tables: a reviewer sees no more of a value than the agent could read
 * back. The held statement itself waits in the gateway's memory, and a non-blocking retry is found
 * by a keyed hash, which (unlike a plain SHA-256 of a statement with one short value in it) cannot
 * be reversed by guessing the value.
 *
 * An HTTP call brings its own protection (masked body, sealed call, keyed hash): it is kept as given.
 */
export function reviewedStatement(request: ReviewRequest, keys: ReviewedCallKeys): ReviewedStatement {
  if (request.protectedText) return { shown: request.protectedText.shown, hash: request.protectedText.hash };
  const touchesMaskedTables = (request.onApproval.maskedTables?.length ?? 0) > 0;
  const lexer = request.dialect === "mysql" ? redactMySqlLiterals : redactPostgresLiterals;
  return {
    shown: redactStatement(request.sql, touchesMaskedTables ? lexer : null),
    hash: reviewedCallHash(keys, request.sql),
  };
}
