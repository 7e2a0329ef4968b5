/**
 * What an agent should do next after a refusal or a hold: one wording for the wire (as HINTs), MCP
 * (the `next` field) and HTTP (the refusal's `hint`), documented for prompt writers in
 * docs/agents.md. Each line names one action: rephrase how, wait how long, or ask whom.
 */

/** A blocking review: the statement is held on the agent's session and runs by itself once approved. */
export function holdHint(reviewerGroups: string, minutes: number): string {
  return `a reviewer in ${reviewerGroups} decides; the statement runs by itself once approved, so wait up to ${minutes} min without resending it (cancelling gives it up)`;
}

/** A non-blocking review: nothing waits; the same text, sent again after approval, runs. */
export function retryAfterApprovalHint(reviewNumber: number, reviewerGroups: string): string {
  return `ask a reviewer in ${reviewerGroups} to approve R-${reviewNumber}, then send exactly the same statement again (a changed statement needs a new review)`;
}

/** A reviewer said no. */
export function deniedByReviewerHint(by: string): string {
  return `do not resend it; change what the statement reads or writes, or ask ${by} what would be acceptable`;
}

/** A review that ended without a decision (expired, abandoned): nothing ran, nothing was refused. */
export const ASK_AGAIN_HINT =
  "send the statement again to request a new review, and tell a reviewer it is waiting";

/** A guardrail whose admin wrote no hint of their own. */
export function guardrailHint(connection: string, what: "statement" | "request" = "statement"): string {
  const narrower = what === "statement" ? "narrower tables, columns or rows" : "another method, path or body";
  return `rephrase the ${what} so the guardrail does not apply (${narrower}), or ask an admin of connection ${connection} to change the rule`;
}

/** Sluice's own defaults: statements it cannot judge. */
export const CANNOT_JUDGE_HINT =
  "rephrase as plain SQL the gateway can read (no hidden SQL, server files or privilege changes); an admin can allow it only with an explicit ALLOW guardrail";

/** Sluice's own HTTP defaults: requests it cannot read one way only. */
export const HTTP_CANNOT_JUDGE_HINT =
  "send a plain request the gateway can read one way (no duplicated or conflicting headers, strict JSON); an admin can allow it only with an explicit ALLOW rule";

/**
 * A workload token (JWT) that signed in as no agent, whatever the reason: the same words on every
 * path, so a caller cannot tell an unknown issuer from a wrong audience or signature and learn which
 * issuers some agent trusts. The precise reason goes to the refused attempt admins see.
 */
export const WORKLOAD_TOKEN_NOT_ACCEPTED =
  "workload token not accepted: check issuer/audience/expiry configured on the agent";

/** Masked values are placeholders: reading them is fine, reasoning about them is not. */
export const MASKED_VALUES_NOTE =
  "masked columns arrive as placeholders ([REDACTED], h_<hash>, ****1234, NULL); read them but do not filter, join, sort or group on them, and never write them back; ask an admin for an exemption if you need the values";

/** Per Sluice default: how to rephrase so it does not apply, when there is a way. */
const DEFAULT_RULE_HINTS: Record<string, string> = {
  "sluice:hidden-sql":
    "write the SQL out as plain statements: DO blocks and function bodies hide what would run",
  "sluice:unmodeled": "rephrase with plain SELECT/INSERT/UPDATE/DELETE the gateway can read",
  "sluice:unknown-function":
    "use built-in functions, or ask an admin to allow this function by name (an ALLOW FUNCTION guardrail)",
  "sluice:server-files":
    "use COPY ... TO STDOUT or FROM STDIN; the server's files and programs are out of reach",
  "sluice:privilege-change":
    "agents do not change roles, privileges or settings that change who they are; ask an admin if the task needs it",
  "sluice:catalog-values":
    "read the tables themselves; planner statistics and other sessions' query text are not readable",
  "sluice:pinned-setting":
    "leave client_encoding and standard_conforming_strings as they are: the gateway pins them",
  "sluice:read-only":
    "this connection only reads: send SELECTs, or ask an admin for a connection that writes",
  "sluice:statement-too-long": "send the values in smaller batches, or as parameters of a prepared statement",
};

/** Where MySQL's words differ: it has no COPY, and its server files are reached by other statements. */
const MYSQL_RULE_HINTS: Record<string, string> = {
  "sluice:server-files":
    "read rows with a plain SELECT and write them with INSERT; the database server's files are out of reach",
};

/** The hint of a refusal by one of Sluice's own defaults, in the words of the statement's dialect. */
export function defaultRuleHint(rule: string, dialect?: "mysql"): string {
  return (
    (dialect === "mysql" ? MYSQL_RULE_HINTS[rule] : undefined) ??
    DEFAULT_RULE_HINTS[rule] ??
    CANNOT_JUDGE_HINT
  );
}
