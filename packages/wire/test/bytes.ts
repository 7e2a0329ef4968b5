/** Byte builders written from the protocol docs, independent of the encoders under test. */
export function int32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value);
  return buffer;
}

export function int16(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeInt16BE(value);
  return buffer;
}

export function cstr(text: string): Buffer {
  return Buffer.from(`${text}\0`);
}

export function tagged(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from(type, "latin1"), int32(body.length + 4), body]);
}

export function untagged(...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([int32(body.length + 4), body]);
}

export const fixtures = {
  startup: untagged(
    int32(196608),
    cstr("user"),
    cstr("agent"),
    cstr("database"),
    cstr("shop"),
    Buffer.from([0]),
  ),
  sslRequest: untagged(int32(80877103)),
  cancel: untagged(int32(80877102), int32(4242), Buffer.from([1, 2, 3, 4])),
  query: tagged("Q", cstr("SELECT 1; SELECT 'é'")),
  parse: tagged("P", cstr("s1"), cstr("SELECT $1::int, $2::bytea"), int16(2), int32(23), int32(17)),
  bind: tagged(
    "B",
    cstr("p1"),
    cstr("s1"),
    int16(2),
    int16(0),
    int16(1),
    int16(2),
    int32(1),
    Buffer.from("7"),
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
  terminate: tagged("X"),
};
