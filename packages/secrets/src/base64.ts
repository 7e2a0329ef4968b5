/** Padded standard base64; Buffer.from(…, "base64") would silently skip anything else. */
const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes standard padded base64, or returns null for anything that is not. Node's decoder ignores
 * stray characters, so without this check two different strings could open to the same bytes.
 */
export function decodeBase64Strict(text: string): Buffer | null {
  return BASE64_PATTERN.test(text) ? Buffer.from(text, "base64") : null;
}
