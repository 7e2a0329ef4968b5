import { guardrailHint, HTTP_CANNOT_JUDGE_HINT } from "@sluice/agent-guidance/agent-guidance";
import { parseSelector } from "./json-path";
import { valuesAt } from "./json-pointer";
import { pathMatches, withoutFormatSuffix } from "./path-pattern";
import type { HttpRequestFacts } from "./read-request";
import type { HttpConnectionPolicy, HttpRequestMatch, HttpRule } from "./rules";

/** The verdict on one call, in the SQL path's shape: rule name, why, what to do. */
export type HttpVerdict =
  | { kind: "allow" }
  | { kind: "deny"; status: number; rule: string; message: string; hint?: string }
  /** Allowed once a reviewer approves: the gateway holds it or answers with the review's number. */
  | { kind: "review"; rule: string; reviewerGroups: string[]; message: string };

const READ_ONLY_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const ALLOW: HttpVerdict = Object.freeze({ kind: "allow" });

/** Judges one call against a connection's policy. Pure; fails closed on unreadable policy. */
export function evaluateRequest(policy: HttpConnectionPolicy, facts: HttpRequestFacts): HttpVerdict {
  const call = `${facts.method} ${facts.path}`;
  if (policy.invalidRules !== undefined)
    return builtin(
      policy,
      "sluice:invalid-policy",
      `the connection's rules could not be read (${policy.invalidRules})`,
      "an admin must fix the connection's rules",
    );
  if (policy.isReadOnly && !READ_ONLY_METHODS.has(facts.method)) {
    const what = `${call}: ${facts.method} may write, and the connection is read-only (GET, HEAD and OPTIONS only)`;
    return policy.readOnlyRule
      ? denied(policy, policy.readOnlyRule, what)
      : builtin(policy, "sluice:read-only", what);
  }
  for (const rule of policy.rules) {
    if (rule.effect === "DENY" && requestMatches(rule.match, facts))
      return denied(policy, rule, `${call} ${describeMatch(rule.match)}`);
  }
  const allowList = policy.rules.filter((rule) => rule.effect === "ALLOW");
  if (allowList.length > 0 && !allowList.some((rule) => requestMatches(rule.match, facts, true)))
    return builtin(
      policy,
      "sluice:http-allow-list",
      `${call} matches none of the connection's ALLOW rules (${allowList.map((rule) => rule.name).join(", ")})`,
      "call an allowed endpoint, or ask an admin for an ALLOW rule",
    );
  // Reviews come after every refusal, as on the SQL path: a reviewer is never asked about a call
  // that would be refused anyway.
  const review = policy.reviews.find((rule) => requestMatches(rule.match, facts));
  if (!review) return ALLOW;
  return {
    kind: "review",
    rule: review.name,
    reviewerGroups: review.reviewerGroups,
    message: `${call} needs approval under review rule "${review.name}" on connection ${policy.connectionName} (reviewers: ${review.reviewerGroups.join(", ") || "none"})`,
  };
}

/**
 * HEAD is GET without the body, and frameworks route it to GET handlers: a rule naming GET covers
 * HEAD when it denies; an allow naming only HEAD never lets a GET through.
 */
export function requestMatches(match: HttpRequestMatch, facts: HttpRequestFacts, isAllow = false): boolean {
  if (match.methods) {
    const methods = match.methods as readonly string[];
    const isNamed = methods.includes(facts.method) || (facts.method === "HEAD" && methods.includes("GET"));
    if (!isNamed) return false;
  }
  if (match.path !== undefined && !pathMatches(match.path, facts.segments)) {
    const suffixless = isAllow ? null : withoutFormatSuffix(facts.segments);
    if (suffixless === null || !pathMatches(match.path, suffixless)) return false;
  }
  if (match.query) {
    for (const [name, expected] of Object.entries(match.query)) {
      const value = queryValue(facts.query, name);
      if (value === undefined || (expected !== "*" && value !== expected)) return false;
    }
  }
  if (match.body) {
    for (const [pointer, expected] of Object.entries(match.body)) {
      // Member names without case, as query names: some upstreams bind `Role` to `role`.
      const values = facts.body === undefined ? [] : valuesAt(facts.body, parseSelector(pointer), true);
      if (values.length === 0) return false;
      const isAny = expected === "*";
      // A deny fires when any value at a wildcard pointer matches; an allow needs every one to.
      const matches = (value: unknown) => isAny || sameJson(value, expected);
      if (isAllow ? !values.every(matches) : !values.some(matches)) return false;
    }
  }
  return true;
}

/** Parameter names compare without case: readQuery refused names equal but for case. */
function queryValue(query: Map<string, string>, name: string): string | undefined {
  const folded = name.toLowerCase();
  for (const [key, value] of query) if (key.toLowerCase() === folded) return value;
  return undefined;
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  return (
    aKeys.length === bKeys.length &&
    aKeys.every((key) => Object.hasOwn(b, key) && sameJson((a as never)[key], (b as never)[key]))
  );
}

function describeMatch(match: HttpRequestMatch): string {
  const parts = [
    match.methods ? `method ${match.methods.join("/")}` : null,
    match.path ? `path ${match.path}` : null,
    match.query ? `query ${Object.keys(match.query).join(", ")}` : null,
    match.body ? `body ${Object.keys(match.body).join(", ")}` : null,
  ].filter(Boolean);
  return `matches ${parts.join(", ")}`;
}

function denied(
  policy: HttpConnectionPolicy,
  rule: Pick<HttpRule, "name" | "message">,
  what: string,
): HttpVerdict {
  return {
    kind: "deny",
    status: 403,
    rule: rule.name,
    message: `blocked by guardrail "${rule.name}" on connection ${policy.connectionName}: ${what}`,
    hint: rule.message || guardrailHint(policy.connectionName, "request"),
  };
}

function builtin(policy: HttpConnectionPolicy, rule: string, what: string, hint?: string): HttpVerdict {
  return {
    kind: "deny",
    status: 403,
    rule,
    message: `blocked by Sluice default "${rule}" on connection ${policy.connectionName}: ${what}`,
    hint: hint ?? HTTP_CANNOT_JUDGE_HINT,
  };
}
