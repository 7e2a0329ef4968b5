import { JsonStreamMasker } from "./json-stream-masker";
import { hasUtf8Charset, isJsonType, isNdjsonType, parseMediaType } from "./media-type";
import { headerValue } from "./read-request";
import { shownResponseHeaders } from "./shown-response-headers";
import { TextStreamMasker } from "./text-stream-masker";
import { hasMasking, type ResponseMasking } from "./value-masking";

/** What turns the upstream's body into the agent's: push each chunk, then end. */
export type BodyMasker = { push: (chunk: Buffer) => Buffer; end: () => Buffer };

type BodyKind = "json" | "ndjson" | "text" | "unmasked" | "none";

export type ResponsePlan =
  | { kind: "refuse"; message: string }
  | {
      kind: "relay";
      masker: BodyMasker | null;
      bodyKind: BodyKind;
      /** The response headers the agent gets, as [name, value] pairs. */
      headers: Array<[string, string]>;
    };

/**
 * How an upstream response reaches the agent, decided from its headers before any body byte:
 * masked as JSON, NDJSON or text; relayed as is when no masking rule applies; or refused (502)
 * when masking applies and the gateway cannot read the body (compressed, binary, other charsets).
 */
export function planResponse(options: {
  method: string;
  status: number;
  rawHeaders: readonly string[];
  masking: ResponseMasking;
}): ResponsePlan {
  const relay = (masker: BodyMasker | null, bodyKind: BodyKind): ResponsePlan => ({
    kind: "relay",
    masker,
    bodyKind,
    headers: shownResponseHeaders(options.rawHeaders, options.masking),
  });
  const encoding = headerValue(options.rawHeaders, "content-encoding")?.trim().toLowerCase();
  if (encoding && encoding !== "identity")
    return {
      kind: "refuse",
      message: `the upstream answered with Content-Encoding ${encoding} although the gateway asked for identity; it cannot read that body`,
    };
  if (
    options.method === "HEAD" ||
    options.status === 204 ||
    options.status === 304 ||
    (options.status >= 100 && options.status < 200)
  )
    return relay(null, "none");
  if (!hasMasking(options.masking)) return relay(null, "unmasked");
  const contentType = headerValue(options.rawHeaders, "content-type");
  const media = contentType === undefined ? null : parseMediaType(contentType);
  if (!media)
    return {
      kind: "refuse",
      message: "the upstream's response has no readable Content-Type, so its values cannot be masked",
    };
  if (!hasUtf8Charset(media))
    return {
      kind: "refuse",
      message: `the upstream's response is in charset ${media.params.get("charset")}; only UTF-8 is masked`,
    };
  if (isNdjsonType(media.type)) return relay(new JsonStreamMasker(options.masking, true), "ndjson");
  if (isJsonType(media.type)) return relay(new JsonStreamMasker(options.masking), "json");
  if (media.type.startsWith("text/")) {
    // A field rule names a place in a JSON document; in text (CSV, HTML, JSON served as text/plain,
    // a representation the agent picked with Accept) the same value has no place the rule can name.
    if (options.masking.pointers.length > 0)
      return {
        kind: "refuse",
        message: `the upstream's response is ${media.type}, and field masking rules apply to this call: they can only be applied to JSON`,
      };
    return relay(new TextStreamMasker(options.masking), "text");
  }
  return {
    kind: "refuse",
    message: `the upstream's response is ${media.type}, which the gateway cannot read to mask`,
  };
}
