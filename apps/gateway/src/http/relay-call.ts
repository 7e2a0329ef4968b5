import type { IncomingMessage, ServerResponse } from "node:http";
import type { HttpVerdict } from "@sluice/http-policy/evaluate";
import type { HttpRequestFacts } from "@sluice/http-policy/read-request";
import { headerValue } from "@sluice/http-policy/read-request";
import { planResponse } from "@sluice/http-policy/response-plan";
import type { ResponseMasking } from "@sluice/http-policy/value-masking";
import type { ReviewBroker } from "@sluice/policy/decision-point";
import type { Verdict } from "@sluice/policy/verdict";
import type { ReviewedCallKeys } from "@sluice/reviews/reviewed-call-seal";
import type { AgentRecord } from "@sluice/session/directory";
import { describeCall, protectCall, reviewCall, reviewStatusPath, showCall } from "./call-review";
import type { HttpConnectionRecord } from "./http-directory";
import type { HttpSession } from "./http-sessions";
import { maskedRequestBody, RecordedExchange } from "./recorded-exchange";
import { relayResponse } from "./relay-response";
import type { UpstreamAnswer } from "./upstream-answer";
import { callUpstream, UpstreamCallError, type UpstreamPools } from "./upstream-call";

export type CallContext = {
  request: IncomingMessage;
  response: ServerResponse;
  agent: AgentRecord;
  connection: HttpConnectionRecord;
  facts: HttpRequestFacts;
  verdict: HttpVerdict;
  masking: ResponseMasking;
  session: HttpSession;
  body: Buffer;
  pools: UpstreamPools;
  reviews: ReviewBroker | null;
  /** Seal and hash the reviewed calls' rows (see reviewed-call-seal). */
  reviewKeys: ReviewedCallKeys;
  /**
   * The call is an approved review's, run from its status URL: a review verdict by that rule (or
   * an allow, the rule since removed) runs once `claim` spends the approval; any refusal stands.
   */
  approvedRun?: { rule: string; claim: (sessionId: string) => Promise<Verdict> };
  log: (line: string) => void;
};

/**
 * One judged call from its verdict on, recorded in its session: a denial is answered; a review
 * verdict goes to the broker (held or refused); an allowed call goes upstream with the brokered
 * credential and its response streams back masked.
 */
export async function relayCall(context: CallContext): Promise<void> {
  const { request, response, agent, connection, facts, verdict, masking, session, pools } = context;
  const options = { reviews: context.reviews, log: context.log };
  const call = describeCall(connection.name, facts);
  // Audit rows, reviews and the recording get the call as shown: the body's sensitive values
  // masked, once for all of them (a body of up to 1 MiB goes through the masker and the redactor).
  const shownBody = facts.body === undefined ? undefined : maskedRequestBody(facts.body, masking);
  const shown = showCall(call, shownBody);
  const exchange = new RecordedExchange(session, shown);
  exchange.request(facts, shownBody);
  let judged: Verdict;
  const { approvedRun } = context;
  if (verdict.kind === "deny") {
    options.log(`[http] ${agent.agentName}: ${verdict.message}`);
    judged = { kind: "deny", rule: verdict.rule, message: verdict.message };
  } else if (approvedRun) {
    judged =
      verdict.kind === "review" && verdict.rule !== approvedRun.rule
        ? {
            kind: "deny",
            rule: verdict.rule,
            message: `${verdict.message}; the approval was given under review rule "${approvedRun.rule}", which does not cover it now`,
          }
        : await approvedRun.claim(session.sessionId);
  } else if (verdict.kind === "review") {
    judged = await reviewCall({
      broker: options.reviews,
      identity: {
        agentId: agent.agentId,
        agentName: agent.agentName,
        groups: agent.groups,
        connectionId: connection.connectionId,
        connectionName: connection.name,
        sessionId: session.sessionId,
      },
      call,
      facts,
      verdict,
      protectedText: protectCall({
        call,
        shown,
        keys: context.reviewKeys,
        owner: { agentId: agent.agentId, connectionId: connection.connectionId },
      }),
      response,
      onHold: (held) => exchange.verdict(held),
    });
  } else judged = { kind: "allow" };
  exchange.verdict(judged);
  if (judged.kind === "deny") {
    // A non-blocking review's refusal names the review; the same call goes through once approved.
    const pending = judged.review;
    const statusUrl = pending ? reviewStatusPath(pending.id) : null;
    const hint =
      verdict.kind === "deny"
        ? verdict.hint
        : statusUrl
          ? `poll GET ${statusUrl} for the review's state; once it is approved, POST ${statusUrl}/run runs this call once (or send the same call again)`
          : undefined;
    return exchange.refuse(response, 403, {
      rule: judged.rule,
      message: judged.message,
      ...(hint ? { hint } : {}),
      ...(pending && statusUrl ? { review: { number: pending.number, statusUrl } } : {}),
    });
  }
  if (response.destroyed) return;
  let upstream: UpstreamAnswer;
  try {
    upstream = await callUpstream({
      connection,
      facts,
      rawHeaders: request.rawHeaders,
      body: context.body,
      pools,
    });
  } catch (error) {
    const status = error instanceof UpstreamCallError ? error.status : 502;
    return exchange.refuse(response, status, {
      rule: "sluice:upstream",
      message: error instanceof Error ? error.message : "the upstream call failed",
    });
  }
  // The call was ended meanwhile (revoked, the agent left): its response is not wanted.
  if (response.writableEnded || response.destroyed) {
    upstream.destroy();
    return;
  }
  const plan = planResponse({
    method: facts.method,
    status: upstream.status,
    rawHeaders: upstream.rawHeaders,
    masking,
  });
  if (plan.kind === "refuse") {
    upstream.destroy();
    return exchange.refuse(response, 502, {
      rule: "sluice:http-response",
      message: plan.message,
      hint: "ask the upstream for uncompressed JSON or text",
    });
  }
  const ended = await relayResponse(upstream, response, plan, (chunk) => exchange.bodyBytes(chunk));
  exchange.response(upstream.status, headerValue(upstream.rawHeaders, "content-type"), ended.reason);
  if (ended.outcome === "cut")
    options.log(
      `[http] ${agent.agentName}: ${facts.method} ${connection.name}${facts.path} cut: ${ended.reason}`,
    );
}
