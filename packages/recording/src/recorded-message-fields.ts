// Readers of the server messages the recorder keeps, over their raw bodies: what an error said, and
// whether a DataRow is whole before the recorder starts writing its line.

/** An ErrorResponse or NoticeResponse body's fields, by their one-letter codes. */
export function errorFields(body: Buffer): Record<string, string> {
  const fields: Record<string, string> = {};
  let offset = 0;
  while (offset < body.length && body[offset] !== 0) {
    const code = String.fromCharCode(body[offset] as number);
    const end = body.indexOf(0, offset + 1);
    if (end < 0) break;
    fields[code] = body.toString("utf8", offset + 1, end);
    offset = end + 1;
  }
  return fields;
}

/** Every value of the DataRow in `bytes[start..end]` lies inside it (checked before a line starts). */
export function isWellFormedRow(bytes: Buffer, start: number, end: number): boolean {
  if (end - start < 2) return false;
  const count = bytes.readInt16BE(start);
  let offset = start + 2;
  for (let i = 0; i < count; i++) {
    if (offset + 4 > end) return false;
    const length = bytes.readInt32BE(offset);
    offset += 4 + Math.max(length, 0);
    if (offset > end) return false;
  }
  return count >= 0;
}
