/**
 * Headers that cross the gateway, by allow-list in both directions: what is not listed is dropped.
 * Credentials (Authorization, Cookie, Set-Cookie, WWW-Authenticate), hop-by-hop headers, encodings
 * the gateway does not read and headers that name the upstream never cross.
 */

/** Request headers an agent may pass to the upstream; the gateway sets Host, Accept-Encoding, Content-* and credentials itself. */
const REQUEST_HEADERS = new Set([
  "accept",
  "accept-language",
  "user-agent",
  "if-none-match",
  "if-match",
  "if-modified-since",
  "if-unmodified-since",
  "x-request-id",
  "idempotency-key",
  "cache-control",
]);

/** Response headers an agent may see. Content-Length is dropped: a masked body has another length. */
const RESPONSE_HEADERS = new Set([
  "content-type",
  "cache-control",
  "etag",
  "last-modified",
  "expires",
  "vary",
  "date",
  "retry-after",
  "content-language",
  "x-request-id",
  "allow",
  "x-ratelimit-limit",
  "x-ratelimit-remaining",
  "x-ratelimit-reset",
]);

/** The agent's headers the upstream may see, as [name, value] pairs in arrival order. */
export function forwardedRequestHeaders(rawHeaders: readonly string[]): Array<[string, string]> {
  return pick(rawHeaders, REQUEST_HEADERS);
}

/**
 * The upstream's headers the agent may see. A Location is kept only as a path (an absolute URL
 * would name the upstream host, and following it would leave the gateway).
 */
export function forwardedResponseHeaders(rawHeaders: readonly string[]): Array<[string, string]> {
  const kept = pick(rawHeaders, RESPONSE_HEADERS);
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] as string).toLowerCase() !== "location") continue;
    const value = rawHeaders[i + 1] as string;
    if (value.startsWith("/") && !value.startsWith("//")) kept.push(["location", value]);
  }
  return kept;
}

function pick(rawHeaders: readonly string[], names: ReadonlySet<string>): Array<[string, string]> {
  const kept: Array<[string, string]> = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    if (names.has(name)) kept.push([name, rawHeaders[i + 1] as string]);
  }
  return kept;
}
