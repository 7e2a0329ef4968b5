import type { ServerResponse } from "node:http";
import type { HttpVerdict } from "@sluice/http-policy/evaluate";
import type { HttpRequestFacts } from "@sluice/http-policy/read-request";
import type { ReviewBroker } from "@sluice/policy/decision-point";
import type { Identity, Verdict } from "@sluice/policy/verdict";
import {
  type ReviewedCallKeys,
  reviewedCallHash,
  sealReviewedCall,
} from "@sluice/reviews/reviewed-call-seal";

/**
 * A call as reviewers read it and as its review is found again: method, path below the connection,
 * canonical query, and the body re-serialised from its strict parse (so the same call hashes the
 * same however its JSON was spaced).
 */
export function describeCall(connectionName: string, facts: HttpRequestFacts): string {
  const target = `/${connectionName}${facts.path}${facts.canonicalQuery ? `?${facts.canonicalQuery}` : ""}`;
  return `${facts.method} ${target}${facts.body === undefined ? "" : `\n${JSON.stringify(facts.body)}`}`;
}

/**
 * The call as reviewers, audit rows and recordings read it: the request line, and the body as
 * `maskedRequestBody` shows it (computed once per call by the caller, who records it too).
 */
export function showCall(call: string, shownBody: string | undefined): string {
  const line = call.split("\n", 1)[0] as string;
  return shownBody === undefined ? line : `${line}\n${shownBody}`;
}

/**
 * The call as its review row keeps it: shown (see showCall), the exact call sealed (opened only
 * by a gateway, to run it once approved), and the keyed hash that finds it again. Nothing of the
 * body rests in clear.
 */
export function protectCall(options: {
  call: string;
  shown: string;
  keys: ReviewedCallKeys;
  owner: { agentId: string; connectionId: string };
}) {
  return {
    shown: options.shown,
    sealed: sealReviewedCall(options.keys, options.call, options.owner),
    hash: reviewedCallHash(options.keys, options.call),
  };
}

/** Where an agent follows a review of its own (GET), and runs the approved call once (POST …/run). */
export function reviewStatusPath(reviewId: string): string {
  return `${REVIEW_STATUS_PREFIX}${encodeURIComponent(reviewId)}`;
}

/** No connection is named `_sluice` (names start with a letter or digit): the path is the gateway's. */
export const REVIEW_STATUS_PREFIX = "/_sluice/reviews/";

/**
 * Puts a call a review rule matched to the review broker, as the SQL path does: a grant lets it
 * through; a non-blocking rule refuses it at once naming the review (the agent sends the same call
 * again once approved); a blocking rule holds the call until reviewers decide, the review expires,
 * or the agent goes away (which abandons the review). Without a broker the call is refused.
 */
export async function reviewCall(options: {
  broker: ReviewBroker | null;
  identity: Identity;
  call: string;
  facts: HttpRequestFacts;
  verdict: Extract<HttpVerdict, { kind: "review" }>;
  /** The call's body masked, sealed and hashed for its review row (see protectCall). */
  protectedText: { shown: string; sealed: string; hash: string };
  response: ServerResponse;
  /** Told when the call starts waiting, with the broker's words (the recording shows the hold). */
  onHold: (verdict: Extract<Verdict, { kind: "hold" }>) => void;
}): Promise<Verdict> {
  const { verdict } = options;
  if (!options.broker)
    return { kind: "deny", rule: verdict.rule, message: `${verdict.message}; no reviews are possible here` };
  const first = await options.broker.request({
    identity: options.identity,
    sql: options.call,
    rule: verdict.rule,
    reviewerGroups: verdict.reviewerGroups,
    message: verdict.message,
    touches: {
      kinds: [`HTTP ${options.facts.method}`],
      tables: [`${options.identity.connectionName}${options.facts.path}`],
      columns: [],
    },
    onApproval: { kind: "allow" },
    protectedText: options.protectedText,
  });
  if (first.kind !== "hold") return first;
  options.onHold(first);
  const { response } = options;
  // The agent hanging up withdraws the call: nothing runs later for a client no longer there.
  const onClose = () => first.withdraw?.("the agent closed the connection while the call waited for review");
  response.once("close", onClose);
  // The agent may have hung up before anyone listened (while its review was being written): that
  // 'close' is gone, and without this the review would wait, and could be approved, for no one.
  if (response.closed) onClose();
  try {
    return await first.release;
  } finally {
    response.off("close", onClose);
  }
}
