import { isUtf8 } from "node:buffer";

/** What the masker saw while reading a string token's bytes, so it can skip checks that cannot fail. */
export type StringTokenShape = {
  /** No byte above 0x7f: the text is the bytes, no UTF-8 check needed. */
  isAscii: boolean;
  /** A backslash: JSON.parse must unescape it. */
  hasBackslash: boolean;
  /** A raw control character, which JSON does not allow in a string. */
  hasControl: boolean;
};

/**
 * The text of the quoted JSON string at source[from, to) (quotes included). ASCII without a
 * backslash or control character, most of a large body's strings, is its bytes; anything else is
 * checked as JSON.parse would. Throws when the string is not valid JSON.
 */
export function stringTokenText(source: Buffer, from: number, to: number, shape: StringTokenShape): string {
  if (shape.isAscii && !shape.hasBackslash && !shape.hasControl)
    return source.toString("latin1", from + 1, to - 1);
  const raw = source.subarray(from, to);
  if (!shape.isAscii && !isUtf8(raw)) throw new Error("not UTF-8");
  const decoded = shape.isAscii ? raw.toString("latin1") : raw.toString("utf8");
  if (shape.hasBackslash) return JSON.parse(decoded) as string;
  const text = decoded.slice(1, -1);
  for (let i = 0; i < text.length; i++)
    if (text.charCodeAt(i) < 0x20) throw new Error("control character in a string");
  return text;
}
