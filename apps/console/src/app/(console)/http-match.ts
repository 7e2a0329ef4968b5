import { ApiError } from "../../client/api";

/**
 * An HTTP match (guardrail or review rule on an HTTP connection) as a form holds it: methods and
 * query as short lists, the body as the JSON object the API takes. docs/http.md, "Rules".
 */
export type HttpMatchForm = { methods: string; path: string; query: string; body: string };

export const EMPTY_HTTP_MATCH: HttpMatchForm = { methods: "", path: "", query: "", body: "" };

/** A stored match back into the form; unknown keys are ignored (the API refuses them anyway). */
export function httpMatchFormOf(match: unknown): HttpMatchForm {
  const stored = (typeof match === "object" && match !== null ? match : {}) as Record<string, unknown>;
  const methods = Array.isArray(stored.methods) ? stored.methods.map(String) : [];
  const query =
    typeof stored.query === "object" && stored.query !== null
      ? Object.entries(stored.query as Record<string, unknown>).map(([name, value]) => `${name}=${value}`)
      : [];
  return {
    methods: methods.join(", "),
    path: typeof stored.path === "string" ? stored.path : "",
    query: query.join(", "),
    body: stored.body === undefined ? "" : JSON.stringify(stored.body, null, 2),
  };
}

/**
 * The API's match for the form. What cannot be read here is reported on its field without a
 * request (a query item without `=`, a body that is not a JSON object), so nothing typed is lost.
 */
export function httpMatchOf(form: HttpMatchForm): Record<string, unknown> {
  const problems: Record<string, string> = {};
  const match: Record<string, unknown> = {};
  const methods = split(form.methods, /[\s,]+/).map((method) => method.toUpperCase());
  if (methods.length) match.methods = methods;
  if (form.path.trim()) match.path = form.path.trim();
  const query: Record<string, string> = {};
  // Commas only: a value may hold spaces.
  for (const item of split(form.query, /,/)) {
    const at = item.indexOf("=");
    if (at <= 0) problems["match.query"] = `"${item}": write name=value, or name=* for any value`;
    else query[item.slice(0, at).trim()] = item.slice(at + 1).trim();
  }
  if (Object.keys(query).length) match.query = query;
  if (form.body.trim()) {
    const body = parseJsonObject(form.body);
    if (body === null)
      problems["match.body"] = 'a JSON object of field → value, e.g. {"$.role": "*"} ("*": any value)';
    else match.body = body;
  }
  if (Object.keys(problems).length) throw new ApiError(400, "some fields need attention", problems);
  return match;
}

function split(text: string, separator: RegExp): string[] {
  return text
    .split(separator)
    .map((item) => item.trim())
    .filter(Boolean);
}

function parseJsonObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** A match in words: "POST /orders/{id}/refund · query export · body $.amount". */
export function describeHttpMatch(match: unknown): string {
  const form = httpMatchFormOf(match);
  const body = httpBodyKeys(match);
  return [
    [form.methods.replaceAll(", ", "/"), form.path].filter(Boolean).join(" "),
    form.query ? `query ${form.query}` : "",
    body.length ? `body ${body.join(", ")}` : "",
  ]
    .filter(Boolean)
    .join(" · ");
}

function httpBodyKeys(match: unknown): string[] {
  const body = (match as { body?: unknown } | null)?.body;
  return typeof body === "object" && body !== null
    ? Object.entries(body).map(([key, value]) => (value === "*" ? key : `${key} = ${JSON.stringify(value)}`))
    : [];
}

/** Whether a stored match is an HTTP one (a database rule's matches kinds, tables or columns). */
export function isHttpMatch(match: unknown): boolean {
  return (
    typeof match === "object" &&
    match !== null &&
    ["methods", "path", "query", "body"].some((key) => key in match)
  );
}
