/** Bytes of a Query message before its text: the tag and the length. */
const QUERY_HEADER_BYTES = 5;

/**
 * The first `textBytes` bytes of a Query message's text, exactly as the client sent them, or null
 * when the text as decoded is not those bytes (invalid UTF-8, which the server refuses whole):
 * byte offsets the parser gave for the decoded text then say nothing about the raw bytes.
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-QUERY
 */
export function queryTextBefore(raw: Buffer, sql: string, textBytes: number): Buffer | null {
  const text = raw.subarray(QUERY_HEADER_BYTES, raw.length - 1);
  if (textBytes <= 0 || textBytes >= text.length) return null;
  if (!text.equals(Buffer.from(sql))) return null;
  return text.subarray(0, textBytes);
}
