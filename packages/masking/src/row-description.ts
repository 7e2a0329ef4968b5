/**
 * RowDescription fields: the column origin (table OID and attribute number, 0 when the column is
 * an expression) is what masking keys on.
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-ROWDESCRIPTION
 */
export type FieldInfo = { name: string; tableOid: number; attnum: number; typeOid: number; format: number };

export function parseRowDescription(body: Buffer): FieldInfo[] {
  const count = body.readInt16BE(0);
  const fields: FieldInfo[] = [];
  let offset = 2;
  for (let i = 0; i < count; i++) {
    const end = body.indexOf(0, offset);
    if (end < 0) throw new Error("malformed RowDescription");
    const name = body.toString("utf8", offset, end);
    offset = end + 1;
    fields.push({
      name,
      tableOid: body.readUInt32BE(offset),
      attnum: body.readInt16BE(offset + 4),
      typeOid: body.readUInt32BE(offset + 6),
      format: body.readInt16BE(offset + 16),
    });
    offset += 18;
  }
  return fields;
}
