/**
 * Codings a response body may be in for the gateway to read it: no content coding, and HTTP/1.1's
 * own chunked framing, which the HTTP parser undoes. Any other (gzip, br, deflate, compress, a
 * name nobody registered) leaves the bytes in a form no masker reads.
 */
const READABLE: Record<string, ReadonlySet<string>> = {
  "content-encoding": new Set(["identity"]),
  "transfer-encoding": new Set(["chunked", "identity"]),
};

/**
 * The first coding in any of the response's Content-Encoding or Transfer-Encoding headers that the
 * gateway cannot read, or null. Every occurrence of each header counts: an upstream (or something
 * between) that sends `Content-Encoding: identity` and then `Content-Encoding: br`, or
 * `Transfer-Encoding: gzip, chunked`, sends a body the parser hands over still compressed, and a
 * text masker would search compressed bytes for values it can never find there.
 */
export function unreadableCoding(rawHeaders: readonly string[]): { header: string; coding: string } | null {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const header = (rawHeaders[i] as string).toLowerCase();
    const readable = READABLE[header];
    if (!readable) continue;
    for (const token of (rawHeaders[i + 1] as string).split(",")) {
      const coding = token.trim().toLowerCase();
      if (coding !== "" && !readable.has(coding)) return { header, coding };
    }
  }
  return null;
}
