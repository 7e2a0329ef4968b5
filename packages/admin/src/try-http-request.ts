import { loadHttpPolicies } from "@sluice/db/policy/load-http-policies";
import { evaluateRequest } from "@sluice/http-policy/evaluate";
import { MAX_REQUEST_HEADER_BYTES } from "@sluice/http-policy/limits";
import { HTTP_METHODS, readRequest } from "@sluice/http-policy/read-request";
import { z } from "zod";
import type { AdminContext } from "./actor";
import { AdminError, parseInput } from "./admin-error";
import { describeReviewOutcome } from "./describe-review-outcome";
import { assertCan } from "./permissions";
import { hasHeader, parseHeaderLines } from "./try-http-headers";

/** As much body as the gateway reads (1 MiB would be refused there with 413 before any rule). */
const MAX_TRY_BODY_CHARS = 1_000_000;

export const ZTryHttpRequestInput = z.object({
  connectionId: z.string().min(1, "pick a connection"),
  /** Judge as this agent (its groups decide masking exemptions and review windows). */
  agentId: z.string().min(1).optional().nullable(),
  method: z.enum(HTTP_METHODS),
  /** Below the connection, with its query: `/customers/42?expand=orders`. */
  path: z.string().min(1, "type a path").max(8_000).startsWith("/", "a path starts with /"),
  /** The JSON body as it would be sent; empty for none. */
  body: z.string().max(MAX_TRY_BODY_CHARS, "at most 1,000,000 characters").optional().nullable(),
  /** Request headers, one `Name: value` a line, judged as the listener judges an agent's. */
  headers: z
    .string()
    .max(MAX_REQUEST_HEADER_BYTES, `at most ${MAX_REQUEST_HEADER_BYTES} characters, as the listener reads`)
    .optional()
    .nullable(),
});

/**
 * The verdict the HTTP listener would give a call now: the request read the one way the gateway
 * reads it (readRequest, so what it refuses as unreadable is refused here too), then judged by the
 * same evaluateRequest over the policy as stored. A call a review rule matches is reported as the
 * broker would treat it (held, refused with a review number, or allowed under an approval window).
 * Nothing is sent upstream, no review is filed, no grant is spent.
 */
export async function tryHttpRequest(context: AdminContext, options: { input: unknown }) {
  assertCan(context.actor, "policy:read");
  const input = parseInput(ZTryHttpRequestInput, options.input);
  const [connection, agent] = await Promise.all([
    context.db.connection.findUnique({ where: { id: input.connectionId } }),
    input.agentId
      ? context.db.agent.findUnique({
          where: { id: input.agentId },
          include: { memberships: { include: { group: true } } },
        })
      : null,
  ]);
  if (!connection)
    throw new AdminError("invalid", "some fields need attention", { connectionId: "no such connection" });
  if (connection.type !== "HTTP")
    throw new AdminError("invalid", "some fields need attention", {
      connectionId: "an HTTP call is judged on an HTTP connection: try a statement on this one",
    });
  if (input.agentId && !agent)
    throw new AdminError("invalid", "some fields need attention", { agentId: "no such agent" });
  const headers = parseHeaderLines(input.headers ?? "");
  if (!headers.ok)
    throw new AdminError("invalid", "some fields need attention", { headers: headers.message });
  const body = input.body?.trim() ? input.body : "";
  // A body is JSON unless the headers say otherwise (a Content-Type typed here is judged as sent).
  const rawHeaders =
    body && !hasHeader(headers.rawHeaders, "content-type")
      ? [...headers.rawHeaders, "Content-Type", "application/json"]
      : headers.rawHeaders;
  const read = readRequest({
    method: input.method,
    target: `/${encodeURIComponent(connection.name)}${input.path}`,
    rawHeaders,
    body: Buffer.from(body, "utf8"),
  });
  if (!read.ok) {
    const { refusal } = read;
    return {
      verdict: {
        kind: "deny" as const,
        rule: refusal.rule,
        message: refusal.message,
        hint: refusal.hint ?? null,
        status: refusal.status,
      },
      call: null,
      masking: [],
    };
  }
  const facts = read.value;
  const policy = (await loadHttpPolicies(context.db)).get(connection.id);
  // loadHttpPolicies reads every HTTP connection; one missing here was deleted meanwhile.
  if (!policy) throw new AdminError("not_found", "no such connection");
  const verdict = evaluateRequest(policy, facts);
  const groups = new Set(agent?.memberships.map((link) => link.group.name) ?? []);
  const masking = policy.masking
    .filter((rule) => !rule.exemptGroups.some((group) => groups.has(group)))
    .map((rule) => (rule.pointer ? `field ${rule.pointer}` : `detector ${rule.detector}`));
  const call = `${facts.method} /${connection.name}${facts.path}${facts.canonicalQuery ? `?${facts.canonicalQuery}` : ""}`;
  if (verdict.kind === "allow")
    return { verdict: { kind: "allow" as const, maskedTables: [] }, call, masking };
  if (verdict.kind === "deny") {
    return {
      verdict: {
        kind: "deny" as const,
        rule: verdict.rule,
        message: verdict.message,
        hint: verdict.hint ?? null,
        status: verdict.status,
      },
      call,
      masking,
    };
  }
  const outcome = await describeReviewOutcome(
    context,
    {
      rule: verdict.rule,
      connectionId: connection.id,
      reviewerGroups: verdict.reviewerGroups,
      message: verdict.message,
      maskedTables: [],
    },
    agent?.id ?? null,
  );
  return { verdict: outcome, call, masking };
}
