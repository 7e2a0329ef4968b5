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
export function guardrailHint(connection: string): string {
  return `rephrase the statement so the guardrail does not apply (narrower tables, columns or rows), or ask an admin of connection ${connection} to change the rule`;
}

/** Sluice's own defaults: statements it cannot judge. */
export const CANNOT_JUDGE_HINT =
  "rephrase as plain SQL the gateway can read (no hidden SQL, server files or privilege changes); an admin can allow it only with an explicit ALLOW guardrail";

/** Masked values are placeholders: reading them is fine, reasoning about them is not. */
export const MASKED_VALUES_NOTE =
  "masked columns arrive as placeholders ([REDACTED], h_<hash>, ****1234, NULL); read them but do not filter, join, sort or group on them, and never write them back; ask an admin for an exemption if you need the values";
