import { MAX_REQUEST_BODY_BYTES } from "./limits";
import { hasUtf8Charset, isJsonType, parseMediaType } from "./media-type";
import { normalizeTarget } from "./normalize-path";
import { readQuery } from "./read-query";
import { type Reading, refuse } from "./refusal";
import { parseStrictJson, StrictJsonError } from "./strict-json";

/** Methods the gateway reads. Others (TRACE, CONNECT, WebDAV, custom) are refused: rules cannot name them safely. */
export const HTTP_METHODS = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];
/** Methods whose body servers disagree on (read by some, ignored by others): refused with a body. */
const BODYLESS_METHODS = new Set<string>(["GET", "HEAD", "OPTIONS", "DELETE"]);
/** Headers that ask a framework to treat the request as another method. */
const METHOD_OVERRIDE_HEADERS = new Set([
  "x-http-method-override",
  "x-http-method",
  "x-method-override",
  "x-original-method",
]);
/** Headers that, sent twice, would be read one way here and another way by a proxy behind. */
const SINGLE_HEADERS = new Set([
  "content-type",
  "content-length",
  "host",
  "authorization",
  "transfer-encoding",
  "content-encoding",
]);
/** Headers that make a server read the target from somewhere other than the request line. */
const TARGET_OVERRIDE_HEADERS = new Set(["x-original-url", "x-rewrite-url", "x-forwarded-prefix"]);

/** One request as the rules see it: the connection, and the facts about the call to its upstream. */
export type HttpRequestFacts = {
  connectionName: string;
  method: HttpMethod;
  /** Path below the connection (`/customers/42`), canonical: what the rules match and the upstream gets. */
  path: string;
  segments: string[];
  query: Map<string, string>;
  /** The canonical query forwarded upstream ("" when none). */
  canonicalQuery: string;
  /** The parsed JSON body; undefined when the request has none. */
  body: unknown;
  hasBody: boolean;
};

export type HttpRequestInput = {
  method: string;
  target: string;
  /** Node's rawHeaders: name, value, name, value … as received (duplicates kept). */
  rawHeaders: readonly string[];
  body: Buffer;
};

/**
 * Reads a request the one way the upstream will: the target (normalizeTarget, readQuery), the
 * headers that change how a server reads it, and the body as strict JSON. What cannot be read one
 * way is refused with the status a client expects.
 */
export function readRequest(input: HttpRequestInput): Reading<HttpRequestFacts> {
  const method = input.method;
  if (!(HTTP_METHODS as readonly string[]).includes(method))
    return refuse(
      405,
      "sluice:http-method",
      `method ${method} is not read by the gateway`,
      `use one of ${HTTP_METHODS.join(", ")}`,
    );
  const headers = headerProblem(input.rawHeaders);
  if (headers) return { ok: false, refusal: headers };
  const target = normalizeTarget(input.target);
  if (!target.ok) return target;
  const [connectionName, ...segments] = target.value.segments;
  if (connectionName === undefined)
    return refuse(
      404,
      "sluice:http-connection",
      "the path names no connection",
      "call https://gateway:PORT/CONNECTION/path",
    );
  const query = readQuery(target.value.rawQuery);
  if (!query.ok) return query;
  const body = readBody(method, input.rawHeaders, input.body);
  if (!body.ok) return body;
  const isSlashEnded = target.value.path.endsWith("/") && segments.length > 0;
  return {
    ok: true,
    value: {
      connectionName,
      method: method as HttpMethod,
      path: `/${segments.join("/")}${isSlashEnded ? "/" : ""}`,
      segments,
      query: query.value.params,
      canonicalQuery: query.value.canonical,
      body: body.value,
      hasBody: input.body.length > 0,
    },
  };
}

function headerProblem(rawHeaders: readonly string[]) {
  const seen = new Set<string>();
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    const value = rawHeaders[i + 1] as string;
    if (METHOD_OVERRIDE_HEADERS.has(name))
      return refuse(
        400,
        "sluice:http-method-override",
        `the ${rawHeaders[i]} header overrides the method in some frameworks`,
        "send the method itself",
      ).refusal;
    if (TARGET_OVERRIDE_HEADERS.has(name))
      return refuse(
        400,
        "sluice:http-path",
        `the ${rawHeaders[i]} header makes some servers route another path`,
        "send the path in the request line only",
      ).refusal;
    if (name === "upgrade")
      return refuse(
        400,
        "sluice:http-upgrade",
        "protocol upgrades (WebSocket, h2c) are not relayed",
        "use plain HTTP/1.1 requests",
      ).refusal;
    if (name === "content-encoding" && value.trim().toLowerCase() !== "identity")
      return refuse(
        415,
        "sluice:http-body",
        `request bodies encoded as ${value} cannot be read by the gateway`,
        "send the body uncompressed",
      ).refusal;
    if (name === "transfer-encoding" && value.trim().toLowerCase() !== "chunked")
      return refuse(
        400,
        "sluice:http-body",
        `transfer coding ${value} is not read`,
        "send chunked or a Content-Length",
      ).refusal;
    if (name === "expect" && value.trim().toLowerCase() !== "100-continue")
      return refuse(417, "sluice:http-body", `Expect: ${value} is not supported`).refusal;
    if (SINGLE_HEADERS.has(name)) {
      if (seen.has(name))
        return refuse(
          400,
          "sluice:http-header",
          `the ${rawHeaders[i]} header is given more than once`,
          "send it once",
        ).refusal;
      seen.add(name);
    }
  }
  return null;
}

function readBody(method: string, rawHeaders: readonly string[], body: Buffer): Reading<unknown> {
  if (body.length === 0) return { ok: true, value: undefined };
  if (body.length > MAX_REQUEST_BODY_BYTES)
    return refuse(413, "sluice:http-body", `the request body is larger than ${MAX_REQUEST_BODY_BYTES} bytes`);
  if (BODYLESS_METHODS.has(method))
    return refuse(
      400,
      "sluice:http-body",
      `a body on ${method} is read by some servers and ignored by others`,
      "send it with POST, PUT or PATCH",
    );
  const contentType = headerValue(rawHeaders, "content-type");
  const media = contentType === undefined ? null : parseMediaType(contentType);
  if (
    !media ||
    !isJsonType(media.type) ||
    !hasUtf8Charset(media) ||
    [...media.params.keys()].some((name) => name !== "charset")
  )
    return refuse(
      415,
      "sluice:http-body",
      `request bodies must be declared JSON (application/json, UTF-8); got ${contentType === undefined ? "no Content-Type" : JSON.stringify(contentType)}`,
      "send Content-Type: application/json with a JSON body",
    );
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    return refuse(400, "sluice:http-body", "the request body is not valid UTF-8");
  }
  if (text.startsWith("\uFEFF"))
    return refuse(
      400,
      "sluice:http-body",
      "the request body starts with a byte order mark, which some parsers refuse and others skip",
    );
  try {
    return { ok: true, value: parseStrictJson(text) };
  } catch (error) {
    if (error instanceof StrictJsonError)
      return refuse(
        400,
        "sluice:http-body",
        `the request body is not one strictly readable JSON value: ${error.message}`,
      );
    throw error;
  }
}

export function headerValue(rawHeaders: readonly string[], name: string): string | undefined {
  for (let i = 0; i < rawHeaders.length; i += 2)
    if ((rawHeaders[i] as string).toLowerCase() === name) return rawHeaders[i + 1];
  return undefined;
}
