/**
 * A message type byte as it should appear in an error: the letter when it has one, `\xNN` when not,
 * so a client sending garbage cannot put control characters into our messages and logs.
 */
export function printable(type: number): string {
  return type >= 0x20 && type < 0x7f ? String.fromCharCode(type) : `\\x${type.toString(16).padStart(2, "0")}`;
}
