/**
 * The setting a ParameterStatus body reports (name and value, each NUL-terminated), or null when
 * the body is cut short.
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-PARAMETERSTATUS
 */
export function parameterStatus(body: Buffer): { name: string; value: string } | null {
  const nameEnd = body.indexOf(0);
  const valueEnd = body.indexOf(0, nameEnd + 1);
  if (nameEnd < 0 || valueEnd < 0) return null;
  return {
    name: body.toString("utf8", 0, nameEnd),
    value: body.toString("utf8", nameEnd + 1, valueEnd),
  };
}
