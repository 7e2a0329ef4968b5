import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { ASK_AGAIN_HINT, deniedByReviewerHint, holdHint } from "@sluice/agent-guidance/agent-guidance";
import type { AgentReview } from "./agent-reviews";
import type { WireOutcome } from "./gateway-wire-call";

/** Every tool answers one JSON object, so a prompt can branch on `status` and follow `next`. */
function reply(body: Record<string, unknown>, isError = false): CallToolResult {
  return {
    content: [{ type: "text", text: JSON.stringify(body, null, 2) }],
    structuredContent: body,
    ...(isError ? { isError: true } : {}),
  };
}

export function resultReply(outcome: WireOutcome, extra: Record<string, unknown> = {}): CallToolResult {
  const notices = outcome.notices.map(({ message, hint }) => (hint ? { message, hint } : { message }));
  if (outcome.kind === "rows")
    return reply({
      status: "ok",
      ...extra,
      results: outcome.results,
      ...(notices.length ? { notices } : {}),
    });
  return refusalReply(outcome.code, outcome.message, outcome.hint, {
    ...extra,
    ...(notices.length ? { notices } : {}),
  });
}

/** What the wire would show as an ERROR: its code, message and hint (as `next`). */
export function refusalReply(
  code: string,
  message: string,
  hint: string | undefined,
  extra: Record<string, unknown> = {},
): CallToolResult {
  return reply({ status: "refused", code, message, ...(hint ? { next: hint } : {}), ...extra }, true);
}

/** The call waits for a human: who decides, until when, and how to learn the outcome. */
export function heldReply(review: AgentReview): CallToolResult {
  const groups = review.reviewerGroups.join(" or ") || "a reviewer";
  const minutes = Math.max(1, Math.ceil((review.expiresAt.getTime() - Date.now()) / 60_000));
  return reply({
    status: "held",
    review: `R-${review.number}`,
    waitingFor: groups,
    expiresAt: review.expiresAt.toISOString(),
    message: `waiting for approval: review R-${review.number} by ${groups} (expires in ${minutes} min)`,
    next: review.isBlocking
      ? `call review_status with review "R-${review.number}" (every 30 s or so) to get the rows once approved, or the refusal; do not call run_query again for it: ${holdHint(groups, minutes)}`
      : `call review_status with review "R-${review.number}" (every 30 s or so); once it is approved, review_status runs the statement and returns its rows`,
  });
}

/** A review whose outcome this process does not hold: its state in the store, with what to do next. */
export function reviewStateReply(review: AgentReview): CallToolResult {
  const groups = review.reviewerGroups.join(" or ") || "a reviewer";
  const name = `R-${review.number}`;
  switch (review.status) {
    case "PENDING":
      return heldReply(review);
    case "DENIED":
      return refusalReply(
        "42501",
        `review ${name} was denied by ${review.denial?.by ?? "a reviewer"}${review.denial?.reason ? `: ${review.denial.reason}` : ""}`,
        deniedByReviewerHint(review.denial?.by ?? `a reviewer in ${groups}`),
        { review: name, reviewStatus: "denied" },
      );
    case "EXECUTED":
    case "APPROVED":
      return refusalReply(
        "55000",
        `review ${name} was approved and its statement has run in the session that held it; its result is no longer here`,
        "send the statement again with run_query if you still need its rows (it may need a new review)",
        { review: name, reviewStatus: review.status.toLowerCase() },
      );
    default:
      return refusalReply(
        "57014",
        `review ${name} ended ${review.status.toLowerCase()} without approval; nothing was run`,
        ASK_AGAIN_HINT,
        { review: name, reviewStatus: review.status.toLowerCase() },
      );
  }
}

export function jsonReply(body: Record<string, unknown>): CallToolResult {
  return reply(body);
}
