import type { ServerResponse } from "node:http";
import type { HttpVerdict } from "@sluice/http-policy/evaluate";
import type { HttpRequestFacts } from "@sluice/http-policy/read-request";
import type { ReviewBroker } from "@sluice/policy/decision-point";
import type { Identity, Verdict } from "@sluice/policy/verdict";

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
  });
  if (first.kind !== "hold") return first;
  options.onHold(first);
  const { response } = options;
  // The agent hanging up withdraws the call: nothing runs later for a client no longer there.
  const onClose = () => first.withdraw?.("the agent closed the connection while the call waited for review");
  response.once("close", onClose);
  try {
    return await first.release;
  } finally {
    response.off("close", onClose);
  }
}
