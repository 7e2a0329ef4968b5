/**
 * Byte builders for tests, written from the protocol docs, independent of the encoders under test:
 * every package's tests build their frames here rather than keeping a copy of their own.
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html
 */
export function int32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value);
  return buffer;
}

export function uint32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value);
  return buffer;
}

export function int16(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeInt16BE(value);
  return buffer;
}

export function byte(...values: number[]): Buffer {
  return Buffer.from(values);
}

export function cstr(text: string): Buffer {
  return Buffer.from(`${text}\0`);
}

/** Byte1 type, Int32 length counting itself and the body, the body. */
export function tagged(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from(type, "latin1"), int32(body.length + 4), body]);
}

/** Int32 length counting itself and the body, the body (which starts with the Int32 code). */
export function untagged(...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([int32(body.length + 4), body]);
}

/** A DataRow's body: the column count, then each value's length and bytes (-1 for NULL). */
export function dataRowBody(values: readonly (string | Buffer | null)[]): Buffer {
  return Buffer.concat([
    int16(values.length),
    ...values.map((value) => {
      if (value === null) return int32(-1);
      const bytes = Buffer.isBuffer(value) ? value : Buffer.from(value);
      return Buffer.concat([int32(bytes.length), bytes]);
    }),
  ]);
}

/** A whole DataRow message. */
export function dataRow(values: readonly (string | Buffer | null)[]): Buffer {
  return tagged("D", dataRowBody(values));
}

/** One RowDescription field; unset parts are those of a text column of no table. */
export type FieldSpec = { name: string; table?: number; attnum?: number; type?: number; format?: number };

/** A RowDescription's body: the field count, then each field's name, origin, type and format. */
export function rowDescriptionBody(fields: readonly FieldSpec[]): Buffer {
  return Buffer.concat([
    int16(fields.length),
    ...fields.map((field) =>
      Buffer.concat([
        cstr(field.name),
        int32(field.table ?? 0),
        int16(field.attnum ?? 0),
        int32(field.type ?? 25),
        int16(-1),
        int32(-1),
        int16(field.format ?? 0),
      ]),
    ),
  ]);
}

/** A whole RowDescription message. */
export function rowDescription(fields: readonly FieldSpec[]): Buffer {
  return tagged("T", rowDescriptionBody(fields));
}

/** CommandComplete with its tag. */
export function commandComplete(tag: string): Buffer {
  return tagged("C", cstr(tag));
}

/** ReadyForQuery: I (idle), T (in a transaction block), E (in a failed one). */
export function readyForQuery(status: "I" | "T" | "E" = "I"): Buffer {
  return tagged("Z", Buffer.from(status, "latin1"));
}

/** One of every frontend message, each with its non-trivial fields exercised. */
export const fixtures = {
  startup: untagged(
    int32(196608),
    cstr("user"),
    cstr("agent"),
    cstr("database"),
    cstr("shop"),
    cstr("application_name"),
    cstr("é-agent"),
    byte(0),
  ),
  sslRequest: untagged(int32(80877103)),
  gssencRequest: untagged(int32(80877104)),
  cancel: untagged(int32(80877102), int32(4242), byte(1, 2, 3, 4)),
  /** Protocol 3.2: a 32-byte key. */
  cancelLongKey: untagged(int32(80877102), int32(4242), Buffer.alloc(32, 7)),
  query: tagged("Q", cstr("SELECT 1; SELECT 'é'")),
  parse: tagged(
    "P",
    cstr("s1"),
    cstr("SELECT $1::int, $2::int, $3::text"),
    int16(3),
    int32(23),
    int32(23),
    uint32(0xfffffffe),
  ),
  /** A text parameter, a binary Int32 parameter, and a NULL. */
  bind: tagged(
    "B",
    cstr("p1"),
    cstr("s1"),
    int16(3),
    int16(0),
    int16(1),
    int16(0),
    int16(3),
    int32(1),
    Buffer.from("7"),
    int32(4),
    int32(42),
    int32(-1),
    int16(1),
    int16(1),
  ),
  describe: tagged("D", Buffer.from("P"), cstr("p1")),
  execute: tagged("E", cstr("p1"), int32(10)),
  close: tagged("C", Buffer.from("S"), cstr("s1")),
  sync: tagged("S"),
  flush: tagged("H"),
  copyData: tagged("d", Buffer.from("1\tone\n")),
  copyDone: tagged("c"),
  copyFail: tagged("f", cstr("client gave up")),
  functionCall: tagged("F", int32(1598), int16(0), int16(0), int16(0)),
  password: tagged("p", cstr("secret")),
  terminate: tagged("X"),
};
