/**
 * What each kind of connection needs beyond the fields every connection has, checked before
 * anything is stored: the gateway reads a MySQL or HTTP connection's fields differently
 * (docs/mysql.md, docs/http.md), and a field it would ignore or misread is refused here, next to
 * the field, instead of surfacing later as a refused agent.
 */

export const CONNECTION_TYPES = ["POSTGRES", "MYSQL", "HTTP"] as const;
export type ConnectionType = (typeof CONNECTION_TYPES)[number];

export const HTTP_AUTH_KINDS = ["BEARER", "BASIC", "HEADER"] as const;
export type HttpAuthKind = (typeof HTTP_AUTH_KINDS)[number];

/** The upstream port people expect for each kind; the form starts with it. */
export const DEFAULT_PORTS: Record<ConnectionType, number> = { POSTGRES: 5432, MYSQL: 3306, HTTP: 443 };

/** Identifier limits of each database server (NAMEDATALEN - 1; MySQL's 64 characters). */
const MAX_DATABASE_NAME: Record<Exclude<ConnectionType, "HTTP">, number> = { POSTGRES: 63, MYSQL: 64 };

/** The most an HTTP connection may give its upstream to answer or go silent (as in policy files). */
export const MAX_HTTP_TIMEOUT_SECONDS = 3600;

/** A header name as RFC 9110 allows it, restricted to what policy files accept. */
const HEADER_NAME = /^[A-Za-z0-9-]+$/;
/**
 * Headers the gateway sets itself or refuses to relay: a secret put there would be overwritten,
 * or would let the upstream read the call differently from how it was judged.
 */
const RESERVED_HEADERS = new Set([
  "host",
  "content-type",
  "content-length",
  "transfer-encoding",
  "content-encoding",
  "accept-encoding",
  "connection",
  "upgrade",
  "cookie",
  "x-http-method-override",
  "x-original-url",
  "x-rewrite-url",
  "x-forwarded-prefix",
]);
/** A base path is plain segments: the gateway resolves agent paths below it and refuses the rest. */
const BASE_PATH = /^\/([A-Za-z0-9\-._~!$&'()*+,=:@%]+\/?)*$/;

export type ConnectionKindFields = {
  type: ConnectionType;
  tlsMode?: string;
  database: string;
  username: string;
  password?: string;
  httpAuthKind?: HttpAuthKind | null;
  httpAuthHeader?: string | null;
  httpTimeoutSeconds?: number | null;
};

/**
 * Field → message for what this kind of connection cannot take. `hasStoredPassword` says whether
 * an edit keeps a secret already stored (an empty password field keeps it).
 */
export function connectionKindProblems(
  input: ConnectionKindFields,
  hasStoredPassword: boolean,
): Record<string, string> {
  const problems: Record<string, string> = {};
  if (input.type !== "HTTP" && !input.username) problems.username = "required: the user Sluice logs in as";
  if (input.type !== "HTTP") {
    // Only the HTTP listener reads these; on a database connection they would silently do nothing.
    if (input.httpAuthKind) problems.httpAuthKind = "only HTTP connections present a secret this way";
    if (input.httpAuthHeader) problems.httpAuthHeader = "only HTTP connections send a secret in a header";
    if (input.httpTimeoutSeconds != null)
      problems.httpTimeoutSeconds = "only HTTP connections take an upstream timeout here";
    const limit = MAX_DATABASE_NAME[input.type];
    if (input.database.length > limit) problems.database = `at most ${limit} characters`;
    return problems;
  }
  if (!BASE_PATH.test(input.database))
    problems.database = "a base path such as / or /api/v2 (segments without spaces, '?' or '#')";
  if (input.httpAuthKind === "HEADER") {
    const header = input.httpAuthHeader?.trim() ?? "";
    if (!header) problems.httpAuthHeader = "name the header that carries the secret, e.g. X-Api-Key";
    else if (!HEADER_NAME.test(header)) problems.httpAuthHeader = "letters, digits and '-' only";
    else if (RESERVED_HEADERS.has(header.toLowerCase()))
      problems.httpAuthHeader = `the gateway sets or refuses ${header} itself: pick another header`;
  } else if (input.httpAuthHeader) {
    problems.httpAuthHeader = "only the named-header method sends the secret in a header of your choice";
  }
  // Basic auth sends user:secret; the other methods send no user, so none is needed (docs/http.md).
  if (input.httpAuthKind === "BASIC" && !input.username)
    problems.username = "basic authentication sends user:secret: type the user";
  else if (input.httpAuthKind !== "BASIC" && input.username)
    problems.username = "only basic authentication sends a user: leave it empty";
  // A method that presents a secret with no secret stored would send an empty credential upstream.
  if (input.httpAuthKind && !input.password && !hasStoredPassword)
    problems.password = "type the secret the upstream expects";
  const timeout = input.httpTimeoutSeconds;
  if (timeout != null && (!Number.isInteger(timeout) || timeout < 1 || timeout > MAX_HTTP_TIMEOUT_SECONDS))
    problems.httpTimeoutSeconds = `a whole number of seconds, 1 to ${MAX_HTTP_TIMEOUT_SECONDS}`;
  return problems;
}
