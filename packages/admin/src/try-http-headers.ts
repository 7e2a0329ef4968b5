/** A header name as HTTP/1.1 allows it (RFC 9110 §5.6.2 token); Node's parser answers 400 to others. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** A header value: visible characters, spaces and tabs (no CR, LF or other controls). */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\uffff]*$/;

/**
 * The "try a call" box's headers, one `Name: value` a line (blank lines ignored), as the raw
 * name/value list a request arriving at the listener carries, so `readRequest` judges them as it
 * judges an agent's. Returns the first line the listener could not read, by number.
 */
export function parseHeaderLines(
  text: string,
): { ok: true; rawHeaders: string[] } | { ok: false; message: string } {
  const rawHeaders: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as string;
    if (line.trim() === "") continue;
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon) : "";
    const value = line.slice(colon + 1).trim();
    if (!HEADER_NAME.test(name))
      return { ok: false, message: `line ${index + 1} is not a header (Name: value)` };
    if (!HEADER_VALUE.test(value))
      return { ok: false, message: `line ${index + 1}: the value has a control character` };
    rawHeaders.push(name, value);
  }
  return { ok: true, rawHeaders };
}

/** Whether a header of this name (any case) is among the raw name/value pairs. */
export function hasHeader(rawHeaders: readonly string[], name: string): boolean {
  for (let i = 0; i < rawHeaders.length; i += 2)
    if ((rawHeaders[i] as string).toLowerCase() === name) return true;
  return false;
}
