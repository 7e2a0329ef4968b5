import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { HOLD_NOTICE_ROUTINE } from "@sluice/session/protocol-bytes";
import type { AgentReviews } from "./agent-reviews";
import { callThroughGateway, type GatewayEndpoint, type WireOutcome } from "./gateway-wire-call";
import type { HeldCalls } from "./held-calls";
import type { McpAgent } from "./mcp-credentials";
import { heldReply, refusalReply, resultReply, reviewStateReply } from "./tool-replies";

/** The gateway's hold notice (packages/reviews' broker): the statement now waits for review R-N. */
const HOLD_NOTICE = /^waiting for approval: review R-(\d+) /;
/** A non-blocking rule's refusal: the review exists and the same statement runs once approved. */
const NON_BLOCKING_REFUSAL = /^approval required by review rule "[^"]*": review R-(\d+) /;

export type RunQueryContext = {
  endpoint: GatewayEndpoint;
  agent: McpAgent;
  reviews: AgentReviews;
  held: HeldCalls;
};

/**
 * Runs a statement through the gateway's Postgres listener and answers at once when a review holds
 * it: the session keeps waiting in the background (its outcome goes to `review_status`), the agent
 * is told for whom and until when. The review number comes from the gateway's own notice; who
 * decides and the deadline are read from the store, scoped to this agent.
 */
export async function runQuery(
  context: RunQueryContext,
  connection: string,
  sql: string,
): Promise<CallToolResult> {
  let onHold: (reviewNumber: number) => void = () => {};
  const heldAt = new Promise<number>((resolve) => {
    onHold = resolve;
  });
  const call = callThroughGateway({
    endpoint: context.endpoint,
    agent: context.agent,
    connection,
    sql,
    onNotice: (notice) => {
      // Only the gateway's own notice: the agent's SQL can RAISE the same text, never this routine.
      if (notice.routine !== HOLD_NOTICE_ROUTINE) return;
      const held = HOLD_NOTICE.exec(notice.message);
      if (held) onHold(Number(held[1]));
    },
  });
  const first = await Promise.race([
    call.outcome.then((outcome) => ({ kind: "settled" as const, outcome })),
    heldAt.then((reviewNumber) => ({ kind: "held" as const, reviewNumber })),
  ]);
  if (first.kind === "settled") return settledReply(context, first.outcome);
  const review = await context.reviews.find(context.agent.agentId, first.reviewNumber);
  if (!review || !context.held.hasRoomFor(context.agent.agentId)) {
    call.cancel();
    return refusalReply(
      "53400",
      review
        ? `you already have the most held calls waiting; review R-${first.reviewNumber} was given up`
        : `review R-${first.reviewNumber} could not be read; the call was given up`,
      "wait for your held calls with review_status before sending more that need review",
    );
  }
  context.held.track(first.reviewNumber, context.agent.agentId, call.outcome, call.cancel);
  return heldReply(review);
}

async function settledReply(context: RunQueryContext, outcome: WireOutcome): Promise<CallToolResult> {
  if (outcome.kind === "error" && outcome.code === "42501") {
    const pending = NON_BLOCKING_REFUSAL.exec(outcome.message);
    const review = pending ? await context.reviews.find(context.agent.agentId, Number(pending[1])) : null;
    if (review?.status === "PENDING") return heldReply(review);
  }
  return resultReply(outcome);
}

/**
 * `review_status`: the held call's outcome when this process holds it; otherwise the review's state,
 * and for an approved non-blocking review, its statement run now (the approval's grant lets it).
 */
export async function reviewStatus(context: RunQueryContext, reviewNumber: number) {
  const review = await context.reviews.find(context.agent.agentId, reviewNumber);
  if (!review)
    return refusalReply(
      "42704",
      `no review R-${reviewNumber} of agent ${context.agent.agentName}`,
      "use the review id a held run_query returned",
    );
  const held = context.held.find(reviewNumber, context.agent.agentId);
  if (held?.outcome) return resultReply(held.outcome, { review: `R-${reviewNumber}` });
  if (held || review.status === "PENDING") return heldReply(review);
  if (!review.isBlocking && review.status === "APPROVED") {
    const call = callThroughGateway({
      endpoint: context.endpoint,
      agent: context.agent,
      connection: review.connection,
      sql: review.statement,
    });
    return resultReply(await call.outcome, { review: `R-${reviewNumber}` });
  }
  return reviewStateReply(review);
}
