import { maskDetected } from "@sluice/masking/content-masker";
import { forwardedResponseHeaders } from "./headers";
import type { ResponseMasking } from "./value-masking";

/**
 * The upstream's headers the agent may see (the allow-list in headers.ts), less any whose value a
 * content detector finds something in: an ETag, Content-Language or X-Request-Id is the upstream's
 * text like any body value. Dropped rather than masked: a rewritten validator would be taken for
 * another one. Field (pointer) rules name places in a JSON body, never a header.
 */
export function shownResponseHeaders(
  rawHeaders: readonly string[],
  masking: ResponseMasking,
): Array<[string, string]> {
  const kept = forwardedResponseHeaders(rawHeaders);
  if (masking.detectors.length === 0) return kept;
  return kept.filter(([, value]) => maskDetected(value, masking.detectors, masking.hashKey) === null);
}
