import { unreadableCoding } from "./body-codings";
import { JsonStreamMasker } from "./json-stream-masker";
import { hasUtf8Charset, isJsonType, isNdjsonType, type MediaType, parseMediaType } from "./media-type";
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
  const unreadable = unreadableCoding(options.rawHeaders);
  if (unreadable)
    return {
      kind: "refuse",
      message:
        unreadable.header === "content-encoding"
          ? `the upstream answered with Content-Encoding ${unreadable.coding} although the gateway asked for identity; it cannot read that body`
          : `the upstream answered with Transfer-Encoding ${unreadable.coding}; the gateway cannot read a body in that coding`,
    };
  if (
    options.method === "HEAD" ||
    options.status === 204 ||
    options.status === 304 ||
    (options.status >= 100 && options.status < 200)
  )
    return relay(options, null, "none");
  if (!hasMasking(options.masking)) return relay(options, null, "unmasked");
  const contentType = headerValue(options.rawHeaders, "content-type");
  const media = contentType === undefined ? null : mediaTypeOf(contentType);
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
  if (isNdjsonType(media.type)) return relay(options, new JsonStreamMasker(options.masking, true), "ndjson");
  if (isJsonType(media.type)) return relay(options, new JsonStreamMasker(options.masking), "json");
  if (media.type.startsWith("text/")) {
    // A field rule names a place in a JSON document; in text (CSV, HTML, JSON served as text/plain,
    // a representation the agent picked with Accept) the same value has no place the rule can name.
    if (options.masking.pointers.length > 0)
      return {
        kind: "refuse",
        message: `the upstream's response is ${media.type}, and field masking rules apply to this call: they can only be applied to JSON`,
      };
    return relay(options, new TextStreamMasker(options.masking), "text");
  }
  return {
    kind: "refuse",
    message: `the upstream's response is ${media.type}, which the gateway cannot read to mask`,
  };
}

/** A relay plan (a function, not a closure per response: tsx names each closure it makes). */
function relay(
  options: { rawHeaders: readonly string[]; masking: ResponseMasking },
  masker: BodyMasker | null,
  bodyKind: BodyKind,
): ResponsePlan {
  return {
    kind: "relay",
    masker,
    bodyKind,
    headers: shownResponseHeaders(options.rawHeaders, options.masking),
  };
}

/** Content-Type values parsed, by their text: an upstream repeats one or two on every response. */
const mediaTypes = new Map<string, MediaType | null>();
/** Distinct values kept, and the longest kept; past either a value is parsed each time (an upstream varying a parameter). */
const REMEMBERED_MEDIA_TYPES = 256;
const REMEMBERED_MEDIA_TYPE_CHARS = 200;

/** parseMediaType, remembered; the result is only read, never changed, by the plan. */
function mediaTypeOf(contentType: string): MediaType | null {
  let media = mediaTypes.get(contentType);
  if (media === undefined) {
    media = parseMediaType(contentType);
    if (mediaTypes.size < REMEMBERED_MEDIA_TYPES && contentType.length <= REMEMBERED_MEDIA_TYPE_CHARS)
      mediaTypes.set(contentType, media);
  }
  return media;
}
