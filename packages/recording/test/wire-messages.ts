/** A DataRow's body: the column count, then each value's length and bytes (-1 for NULL). */
export function dataRowBody(values: (string | null)[]): Buffer {
  const parts = [Buffer.from([0, values.length])];
  for (const value of values) {
    const length = Buffer.alloc(4);
    length.writeInt32BE(value === null ? -1 : Buffer.byteLength(value));
    parts.push(length, value === null ? Buffer.alloc(0) : Buffer.from(value));
  }
  return Buffer.concat(parts);
}

/** A whole message as the client gets it: type, length, body. */
export function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head[0] = type.charCodeAt(0);
  head.writeUInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}
