import { bytes, int32 } from "./raw-client";

/**
 * Extended-protocol messages built byte by byte, independent of the code under test, for tests
 * that interleave portals the way no driver does.
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html
 */
export const extended = {
  parse(statement: string, sql: string): Buffer {
    return bytes.tagged("P", Buffer.concat([cstring(statement), cstring(sql), int16(0)]));
  },
  bind(portal: string, statement: string, resultFormats: number[] = [], params: string[] = []): Buffer {
    return bytes.tagged(
      "B",
      Buffer.concat([
        cstring(portal),
        cstring(statement),
        int16(0),
        int16(params.length),
        ...params.flatMap((param) => {
          const value = Buffer.from(param, "utf8");
          return [int32(value.length), value];
        }),
        int16(resultFormats.length),
        ...resultFormats.map(int16),
      ]),
    );
  },
  describe(target: "S" | "P", name: string): Buffer {
    return bytes.tagged("D", Buffer.concat([Buffer.from(target), cstring(name)]));
  },
  execute(portal: string, maxRows = 0): Buffer {
    return bytes.tagged("E", Buffer.concat([cstring(portal), int32(maxRows)]));
  },
  close(target: "S" | "P", name: string): Buffer {
    return bytes.tagged("C", Buffer.concat([Buffer.from(target), cstring(name)]));
  },
  flush(): Buffer {
    return bytes.tagged("H", Buffer.alloc(0));
  },
  sync(): Buffer {
    return bytes.tagged("S", Buffer.alloc(0));
  },
};

/** The values of a DataRow body, as text (binary text columns are their UTF-8 bytes too). */
export function dataRowValues(body: Buffer): (string | null)[] {
  const count = body.readInt16BE(0);
  const values: (string | null)[] = [];
  let offset = 2;
  for (let i = 0; i < count; i++) {
    const length = body.readInt32BE(offset);
    offset += 4;
    if (length < 0) {
      values.push(null);
      continue;
    }
    values.push(body.toString("utf8", offset, offset + length));
    offset += length;
  }
  return values;
}

function cstring(text: string): Buffer {
  return Buffer.from(`${text}\0`, "utf8");
}

function int16(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeInt16BE(value);
  return buffer;
}
