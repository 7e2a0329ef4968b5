import type { IncomingMessage, ServerResponse } from "node:http";
import { type HttpRequestFacts, readRequest } from "@sluice/http-policy/read-request";
import type { Verdict } from "@sluice/policy/verdict";
import type { AgentReview, AgentReviews } from "@sluice/reviews/agent-reviews";
import { openReviewedCall, type ReviewedCallKeys } from "@sluice/reviews/reviewed-call-seal";
import type { AgentRecord } from "@sluice/session/directory";
import { REVIEW_STATUS_PREFIX, reviewStatusPath } from "./call-review";
import { sendRefusal } from "./http-refusal";

/** An approved review's call, run from its status URL: which review, and how it spends the approval. */
export type ApprovedCall = {
  connectionId: string;
  number: number;
  run: { rule: string; claim: (sessionId: string) => Promise<Verdict> };
};

export type ReviewRouteOptions = {
  request: IncomingMessage;
  response: ServerResponse;
  agent: AgentRecord;
  reviews: AgentReviews;
  keys: ReviewedCallKeys;
  /** Serves a call as any other (connection, access, policy, session, relay), as the approved one. */
  serve: (facts: HttpRequestFacts, body: Buffer, approved: ApprovedCall) => Promise<void>;
  log: (line: string) => void;
};

const RUN_SUFFIX = "/run";

/**
 * `GET /_sluice/reviews/ID`: the state of one of the agent's own reviews (a non-blocking refusal
 * names it). `POST /_sluice/reviews/ID/run`: runs the approved call exactly once, as it was
 * reviewed (opened from its sealed copy, judged again by today's rules), for the agent that asked
 * only, while the approval lasts. Another agent's review is answered 404, as a missing one is.
 */
export async function answerReviewRoute(options: ReviewRouteOptions): Promise<void> {
  const { request, response, agent } = options;
  const path = (request.url ?? "").split("?", 1)[0] as string;
  const isRun = path.endsWith(RUN_SUFFIX);
  const reviewId = safeDecode(
    path.slice(REVIEW_STATUS_PREFIX.length, isRun ? -RUN_SUFFIX.length : undefined),
  );
  const expected = isRun ? "POST" : "GET";
  if (request.method !== expected)
    return sendRefusal(
      response,
      405,
      { rule: "sluice:review-status", message: `${path} takes ${expected} only` },
      { headers: { allow: expected } },
    );
  const now = new Date();
  const review =
    reviewId === null || reviewId.includes("/")
      ? null
      : await options.reviews.find(reviewId, agent.agentId, now);
  if (!review)
    return sendRefusal(response, 404, {
      rule: "sluice:review-status",
      message: `no such review of agent ${agent.agentName}`,
    });
  if (!isRun) return sendStatus(response, review);
  const refusal = options.reviews.refusalToRun(review);
  if (refusal)
    return sendRefusal(response, refusal.status, { rule: "sluice:review-run", message: refusal.message });
  const call = openCall(options, review);
  if (!call)
    return sendRefusal(response, 409, {
      rule: "sluice:review-run",
      message: `review R-${review.number} holds no call the gateway can run; send the call again`,
    });
  await options.serve(call.facts, call.body, {
    connectionId: review.connectionId,
    number: review.number,
    run: {
      rule: review.rule ?? "",
      claim: async (sessionId) => {
        const identity = {
          agentId: agent.agentId,
          agentName: agent.agentName,
          groups: agent.groups,
          connectionId: review.connectionId,
          connectionName: call.facts.connectionName,
          sessionId,
        };
        const spent = await options.reviews.claimRun(review, identity, new Date());
        return spent
          ? { kind: "deny", rule: "sluice:review-run", message: spent.message }
          : { kind: "allow", note: `approved in review R-${review.number}, run from its status URL` };
      },
    },
  });
}

function sendStatus(response: ServerResponse, review: AgentReview): void {
  const statusUrl = reviewStatusPath(review.id);
  const body = Buffer.from(
    `${JSON.stringify({
      review: {
        number: review.number,
        state: review.state,
        rule: review.rule,
        call: review.shown,
        requestedAt: review.requestedAt,
        ...(review.state === "pending" ? { expiresAt: review.expiresAt } : {}),
        ...(review.decidedAt ? { decidedAt: review.decidedAt } : {}),
        ...(review.executedAt ? { executedAt: review.executedAt } : {}),
        ...(review.denial ? { deniedBy: review.denial.by, reason: review.denial.reason } : {}),
        ...(review.runnableUntil ? { run: `${statusUrl}${RUN_SUFFIX}`, runUntil: review.runnableUntil } : {}),
      },
    })}\n`,
  );
  response.writeHead(200, {
    "content-type": "application/json",
    "content-length": String(body.length),
    "cache-control": "no-store",
  });
  response.end(body);
}

/** The exact call reviewed, from its sealed copy, read again as any call is; null when it cannot be. */
function openCall(options: ReviewRouteOptions, review: AgentReview) {
  if (!review.statementSealed) return null;
  let call: string;
  try {
    call = openReviewedCall(options.keys, review.statementSealed, {
      agentId: options.agent.agentId,
      connectionId: review.connectionId,
      statementHash: review.statementHash,
    });
  } catch (error) {
    options.log(`[http] review R-${review.number}: its sealed call does not open: ${String(error)}`);
    return null;
  }
  const newline = call.indexOf("\n");
  const line = newline < 0 ? call : call.slice(0, newline);
  const bodyText = newline < 0 ? null : call.slice(newline + 1);
  const space = line.indexOf(" ");
  const body = Buffer.from(bodyText ?? "");
  const read = readRequest({
    method: line.slice(0, space),
    target: line.slice(space + 1),
    rawHeaders: bodyText === null ? [] : ["Content-Type", "application/json"],
    body,
  });
  return read.ok ? { facts: read.value, body } : null;
}

/** A review id as sent; null when its escapes are not UTF-8 (no review has such an id). */
function safeDecode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}
