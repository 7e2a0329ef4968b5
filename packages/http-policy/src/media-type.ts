/** A Content-Type split the way RFC 9110 writes it; null when it is not one media type. */
export type MediaType = { type: string; params: Map<string, string> };

/** @see https://www.rfc-editor.org/rfc/rfc9110#section-8.3.1 */
export function parseMediaType(header: string): MediaType | null {
  const [essence, ...rest] = header.split(";");
  const type = (essence ?? "").trim().toLowerCase();
  if (!/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(type)) return null;
  const params = new Map<string, string>();
  for (const part of rest) {
    const equals = part.indexOf("=");
    if (equals < 0) return null;
    const name = part.slice(0, equals).trim().toLowerCase();
    let value = part.slice(equals + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (!name || params.has(name)) return null;
    params.set(name, value.toLowerCase());
  }
  return { type, params };
}

export function isJsonType(type: string): boolean {
  return type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"));
}

export function isNdjsonType(type: string): boolean {
  return (
    type === "application/x-ndjson" ||
    type === "application/ndjson" ||
    type === "application/jsonl" ||
    type === "application/x-jsonlines"
  );
}

/** UTF-8 or no charset: anything else would be decoded by the upstream in a way the gateway did not. */
export function hasUtf8Charset(media: MediaType): boolean {
  const charset = media.params.get("charset");
  return charset === undefined || charset === "utf-8" || charset === "utf8";
}
