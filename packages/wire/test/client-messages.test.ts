import {
  decodeClientFrame,
  parsePasswordMessage,
  parseSASLInitialResponse,
} from "@sluice/wire/client-messages";
import type { Frame } from "@sluice/wire/frame-buffer";
import { WireError } from "@sluice/wire/wire-error";
import { describe, expect, it } from "vitest";
import { cstr, fixtures, int16, int32, tagged } from "./bytes";

function frameOf(raw: Buffer): Frame {
  if (raw[0] === 0) return { kind: "untagged", code: raw.readInt32BE(4), body: raw.subarray(8), raw };
  return { kind: "tagged", type: raw[0] as number, body: raw.subarray(5), raw };
}

const decode = (raw: Buffer) => decodeClientFrame(frameOf(raw));

describe("client message decoder", () => {
  it("decodes every frontend message", () => {
    expect(decode(fixtures.startup)).toEqual({
      name: "startup",
      protocolVersion: 196608,
      params: { user: "agent", database: "shop" },
    });
    expect(decode(fixtures.sslRequest)).toEqual({ name: "sslRequest" });
    expect(decode(fixtures.cancel)).toEqual({
      name: "cancelRequest",
      processId: 4242,
      secretKey: Buffer.from([1, 2, 3, 4]),
    });
    expect(decode(fixtures.query)).toEqual({ name: "query", sql: "SELECT 1; SELECT 'é'" });
    expect(decode(fixtures.parse)).toEqual({
      name: "parse",
      statement: "s1",
      sql: "SELECT $1::int, $2::bytea",
      paramTypes: [23, 17],
    });
    expect(decode(fixtures.bind)).toEqual({
      name: "bind",
      portal: "p1",
      statement: "s1",
      paramFormats: [0, 1],
      params: [Buffer.from("7"), null],
      resultFormats: [1],
    });
    expect(decode(fixtures.describe)).toEqual({ name: "describe", target: "P", targetName: "p1" });
    expect(decode(fixtures.execute)).toEqual({ name: "execute", portal: "p1", maxRows: 10 });
    expect(decode(fixtures.close)).toEqual({ name: "close", target: "S", targetName: "s1" });
    expect(decode(fixtures.sync)).toEqual({ name: "sync" });
    expect(decode(fixtures.flush)).toEqual({ name: "flush" });
    expect(decode(fixtures.copyData)).toEqual({ name: "copyData", data: Buffer.from("1\tone\n") });
    expect(decode(fixtures.copyDone)).toEqual({ name: "copyDone" });
    expect(decode(fixtures.copyFail)).toEqual({ name: "copyFail", message: "client gave up" });
    expect(decode(fixtures.functionCall)).toEqual({ name: "functionCall", functionOid: 1598 });
    expect(decode(fixtures.terminate)).toEqual({ name: "terminate" });
  });

  it("decodes the authentication responses by state", () => {
    const initial = parseSASLInitialResponse(
      Buffer.concat([cstr("SCRAM-SHA-256"), int32(5), Buffer.from("n,,ab")]),
    );
    expect(initial).toEqual({ mechanism: "SCRAM-SHA-256", initialResponse: Buffer.from("n,,ab") });
    expect(parseSASLInitialResponse(Buffer.concat([cstr("X"), int32(-1)])).initialResponse).toBeNull();
    expect(parsePasswordMessage(cstr("md5abc"))).toBe("md5abc");
  });

  const malformed: Array<[string, Buffer]> = [
    ["a query without its terminator", tagged("Q", Buffer.from("SELECT 1"))],
    ["a query with trailing bytes", tagged("Q", cstr("SELECT 1"), Buffer.from("x"))],
    ["a parse with a negative count", tagged("P", cstr(""), cstr("SELECT 1"), int16(-1))],
    ["a parse whose count exceeds the body", tagged("P", cstr(""), cstr("SELECT 1"), int16(9), int32(23))],
    [
      "a bind with a bad parameter length",
      tagged("B", cstr(""), cstr(""), int16(0), int16(1), int32(-7), int16(0)),
    ],
    [
      "a bind truncated inside a parameter",
      tagged("B", cstr(""), cstr(""), int16(0), int16(1), int32(10), Buffer.from("abc")),
    ],
    ["a describe of neither S nor P", tagged("D", Buffer.from("X"), cstr("p"))],
    ["a sync with a body", tagged("S", Buffer.from([1]))],
    ["an execute missing its row count", tagged("E", cstr("p"))],
    ["an unknown message type", tagged("z")],
    [
      "a startup without its final NUL",
      Buffer.concat([int32(17), int32(196608), cstr("user"), Buffer.from("a")]),
    ],
    [
      "a startup with a duplicate parameter",
      Buffer.concat([
        int32(29),
        int32(196608),
        cstr("user"),
        cstr("a"),
        cstr("user"),
        cstr("b"),
        Buffer.from([0]),
      ]),
    ],
    ["a cancel with a short key", Buffer.concat([int32(14), int32(80877102), int32(1), Buffer.from([1, 2])])],
  ];

  for (const [what, raw] of malformed) {
    it(`refuses ${what} with 08P01`, () => {
      expect(() => decode(raw)).toThrow(WireError);
      try {
        decode(raw);
      } catch (error) {
        expect((error as WireError).code).toBe("08P01");
      }
    });
  }
});
