import {
  bindParams,
  type ClientMessage,
  decodeClientFrame,
  parsePasswordMessage,
  parseSASLInitialResponse,
  parseSASLResponse,
} from "@sluice/wire/client-messages";
import { FrameBuffer } from "@sluice/wire/frame-buffer";
import { MAX_MESSAGE_BYTES } from "@sluice/wire/limits";
import { byte, cstr, fixtures, int16, int32, tagged, untagged } from "@sluice/wire/testing";
import { describe, expect, it } from "vitest";
import { expectWireError } from "./expect-wire-error";

/** Frames `raw` as the gateway would (untagged ones start with a zero length byte) and decodes it. */
function decode(raw: Buffer): ClientMessage {
  const frames = new FrameBuffer({
    mode: raw[0] === 0 ? "startup" : "tagged",
    maxMessageBytes: MAX_MESSAGE_BYTES,
  });
  frames.push(raw);
  const frame = frames.next();
  if (!frame || frames.buffered() !== 0) throw new Error("fixture is not exactly one message");
  return decodeClientFrame(frame);
}

describe("client message decoder", () => {
  it("decodes libpq's Execute and Describe of the unnamed portal (or statement) to one frozen message each", () => {
    const unnamedAll = () => decode(tagged("E", cstr(""), int32(0)));
    expect(unnamedAll()).toEqual({ name: "execute", portal: "", maxRows: 0 });
    expect(unnamedAll()).toBe(unnamedAll());
    expect(Object.isFrozen(unnamedAll())).toBe(true);
    for (const target of ["P", "S"] as const) {
      const unnamed = () => decode(tagged("D", Buffer.from(target), cstr("")));
      expect(unnamed()).toEqual({ name: "describe", target, targetName: "" });
      expect(unnamed()).toBe(unnamed());
      expect(Object.isFrozen(unnamed())).toBe(true);
    }
    // A row limit, or a name, is its own message.
    expect(decode(tagged("E", cstr(""), int32(5)))).toEqual({ name: "execute", portal: "", maxRows: 5 });
    expect(decode(tagged("D", Buffer.from("P"), cstr("p")))).toEqual({
      name: "describe",
      target: "P",
      targetName: "p",
    });
  });

  it("decodes the untagged startup-phase messages", () => {
    expect(decode(fixtures.startup)).toEqual({
      name: "startup",
      protocolVersion: 196608,
      params: { user: "agent", database: "shop", application_name: "é-agent" },
      paramPairs: [
        ["user", "agent"],
        ["database", "shop"],
        ["application_name", "é-agent"],
      ],
    });
    expect(decode(fixtures.sslRequest)).toEqual({ name: "sslRequest" });
    expect(decode(fixtures.gssencRequest)).toEqual({ name: "gssencRequest" });
    expect(decode(fixtures.cancel)).toEqual({
      name: "cancelRequest",
      processId: 4242,
      secretKey: Buffer.from([1, 2, 3, 4]),
    });
    expect(decode(fixtures.cancelLongKey)).toEqual({
      name: "cancelRequest",
      processId: 4242,
      secretKey: Buffer.alloc(32, 7),
    });
  });

  it("decodes every tagged frontend message", () => {
    expect(decode(fixtures.query)).toEqual({ name: "query", sql: "SELECT 1; SELECT 'é'" });
    expect(decode(fixtures.parse)).toEqual({
      name: "parse",
      statement: "s1",
      sql: "SELECT $1::int, $2::int, $3::text",
      paramTypes: [23, 23, 0xfffffffe],
    });
    expect(decode(fixtures.bind)).toEqual({ name: "bind", portal: "p1", statement: "s1" });
    expect(bindParams(fixtures.bind)).toEqual([Buffer.from("7"), int32(42), null]);
    expect(decode(fixtures.describe)).toEqual({ name: "describe", target: "P", targetName: "p1" });
    expect(decode(fixtures.execute)).toEqual({ name: "execute", portal: "p1", maxRows: 10 });
    expect(decode(fixtures.close)).toEqual({ name: "close", target: "S", targetName: "s1" });
    expect(decode(fixtures.sync)).toEqual({ name: "sync" });
    expect(decode(fixtures.flush)).toEqual({ name: "flush" });
    expect(decode(fixtures.copyData)).toEqual({ name: "copyData", data: Buffer.from("1\tone\n") });
    expect(decode(fixtures.copyDone)).toEqual({ name: "copyDone" });
    expect(decode(fixtures.copyFail)).toEqual({ name: "copyFail", message: "client gave up" });
    expect(decode(fixtures.functionCall)).toEqual({ name: "functionCall", functionOid: 1598 });
    expect(decode(fixtures.password)).toEqual({ name: "authResponse", body: cstr("secret") });
    expect(decode(fixtures.terminate)).toEqual({ name: "terminate" });
  });

  it("keeps a startup parameter named __proto__ as a parameter", () => {
    const message = decode(
      untagged(int32(196608), cstr("__proto__"), cstr("x"), cstr("user"), cstr("u"), byte(0)),
    );
    if (message.name !== "startup") throw new Error(message.name);
    expect(Object.keys(message.params)).toEqual(["__proto__", "user"]);
    expect(Object.getPrototypeOf(message.params)).toBe(Object.prototype);
  });

  it("reads Int16 counts unsigned, as PostgreSQL does, so 40000 parameters are not negative", () => {
    const params = Array.from({ length: 40_000 }, () => int32(-1));
    const message = decode(
      tagged("B", cstr(""), cstr(""), int16(0), int16(40_000 - 65_536), ...params, int16(0)),
    );
    expect(message.name).toBe("bind");
    const raw = tagged("B", cstr(""), cstr(""), int16(0), int16(40_000 - 65_536), ...params, int16(0));
    expect(bindParams(raw)).toEqual(Array.from({ length: 40_000 }, () => null));
  });

  it("decodes the authentication responses by state", () => {
    const initial = parseSASLInitialResponse(
      Buffer.concat([cstr("SCRAM-SHA-256"), int32(5), Buffer.from("n,,ab")]),
    );
    expect(initial).toEqual({ mechanism: "SCRAM-SHA-256", initialResponse: Buffer.from("n,,ab") });
    expect(parseSASLInitialResponse(Buffer.concat([cstr("X"), int32(-1)])).initialResponse).toBeNull();
    expect(parseSASLResponse(Buffer.from("c=biws,r=abc"))).toEqual(Buffer.from("c=biws,r=abc"));
    expect(parsePasswordMessage(cstr("md5abc"))).toBe("md5abc");
  });

  const badAuth: Array<[string, () => unknown]> = [
    ["a password without its terminator", () => parsePasswordMessage(Buffer.from("secret"))],
    ["a password with trailing bytes", () => parsePasswordMessage(Buffer.concat([cstr("a"), byte(1)]))],
    [
      "a SASL response longer than its body",
      () => parseSASLInitialResponse(Buffer.concat([cstr("M"), int32(9), byte(1)])),
    ],
    [
      "a SASL response of negative length",
      () => parseSASLInitialResponse(Buffer.concat([cstr("M"), int32(-2)])),
    ],
    [
      "a SASL response with trailing bytes",
      () => parseSASLInitialResponse(Buffer.concat([cstr("M"), int32(0), byte(1)])),
    ],
    ["a SASL mechanism without its terminator", () => parseSASLInitialResponse(Buffer.from("SCRAM"))],
  ];
  for (const [what, parse] of badAuth) {
    it(`refuses ${what} with 08P01`, () => {
      expectWireError(parse, "08P01");
    });
  }

  const malformed: Array<[string, Buffer, RegExp]> = [
    ["a query without its terminator", tagged("Q", Buffer.from("SELECT 1")), /missing string terminator/],
    ["a query with trailing bytes", tagged("Q", cstr("SELECT 1"), Buffer.from("x")), /1 trailing bytes/],
    ["a parse with a negative count", tagged("P", cstr(""), cstr("SELECT 1"), int16(-1)), /invalid count/],
    [
      "a parse whose count exceeds the body",
      tagged("P", cstr(""), cstr("SELECT 1"), int16(9), int32(23)),
      /invalid count/,
    ],
    ["a parse truncated before its count", tagged("P", cstr(""), cstr("SELECT 1"), byte(0)), /truncated/],
    [
      "a bind with a negative format count",
      tagged("B", cstr(""), cstr(""), int16(-1), int16(0), int16(0)),
      /invalid count/,
    ],
    [
      "a bind with a negative parameter count",
      tagged("B", cstr(""), cstr(""), int16(0), int16(-3), int16(0)),
      /invalid count/,
    ],
    [
      "a bind with a negative result format count",
      tagged("B", cstr(""), cstr(""), int16(0), int16(0), int16(-1)),
      /invalid count/,
    ],
    [
      "a bind with a parameter length below -1",
      tagged("B", cstr(""), cstr(""), int16(0), int16(1), int32(-7), int16(0)),
      /negative length/,
    ],
    [
      "a bind truncated inside a parameter",
      tagged("B", cstr(""), cstr(""), int16(0), int16(1), int32(10), Buffer.from("abc"), int16(0)),
      /truncated/,
    ],
    [
      "a bind with two formats for one parameter",
      tagged("B", cstr(""), cstr(""), int16(2), int16(0), int16(1), int16(1), int32(-1), int16(0)),
      /2 parameter formats but 1 parameters/,
    ],
    [
      "a bind with trailing bytes",
      tagged("B", cstr(""), cstr(""), int16(0), int16(0), int16(0), byte(9)),
      /trailing bytes/,
    ],
    ["a describe of neither S nor P", tagged("D", Buffer.from("X"), cstr("p")), /invalid target 'X'/],
    ["a close with no target", tagged("C"), /truncated/],
    ["a close with trailing bytes", tagged("C", Buffer.from("S"), cstr("s"), byte(0)), /trailing/],
    ["a sync with a body", tagged("S", byte(1)), /trailing/],
    ["a flush with a body", tagged("H", byte(1)), /trailing/],
    ["a terminate with a body", tagged("X", byte(1)), /trailing/],
    ["a copy done with a body", tagged("c", byte(1)), /trailing/],
    ["a copy fail without its terminator", tagged("f", Buffer.from("no")), /missing string terminator/],
    ["an execute missing its row count", tagged("E", cstr("p")), /truncated/],
    ["an execute with trailing bytes", tagged("E", cstr("p"), int32(0), byte(0)), /trailing/],
    // The unnamed portal's shared messages are only for exactly their bytes.
    ["an unnamed execute with trailing bytes", tagged("E", cstr(""), int32(0), byte(0)), /trailing/],
    [
      "an unnamed execute missing a byte of its row count",
      tagged("E", cstr(""), int16(0), byte(0)),
      /truncated/,
    ],
    ["an unnamed describe of neither S nor P", tagged("D", Buffer.from("X"), cstr("")), /invalid target 'X'/],
    ["an unnamed describe with trailing bytes", tagged("D", Buffer.from("P"), cstr(""), byte(0)), /trailing/],
    ["a function call without its function", tagged("F", int16(0)), /truncated/],
    ["an unknown message type", tagged("z"), /invalid frontend message type 'z'/],
    ["a control byte as message type", tagged("\x01"), /invalid frontend message type '\\x01'/],
    ["an SSL request with a body", untagged(int32(80877103), byte(0)), /trailing/],
    ["a GSSENC request with a body", untagged(int32(80877104), byte(0)), /trailing/],
    [
      "a startup without its final NUL",
      untagged(int32(196608), cstr("user"), cstr("a")),
      /missing string terminator/,
    ],
    [
      "a startup ending inside a value",
      untagged(int32(196608), cstr("user"), Buffer.from("a")),
      /missing string terminator/,
    ],
    ["a startup with bytes after its final NUL", untagged(int32(196608), byte(0), byte(1)), /trailing/],
    [
      "a startup with a duplicate parameter",
      untagged(int32(196608), cstr("user"), cstr("a"), cstr("user"), cstr("b"), byte(0)),
      /duplicate startup parameter "user"/,
    ],
    ["a cancel with a short key", untagged(int32(80877102), int32(1), byte(1, 2)), /cancel key length/],
    [
      "a cancel with a 257-byte key",
      untagged(int32(80877102), int32(1), Buffer.alloc(257)),
      /cancel key length/,
    ],
    ["a cancel without a process id", untagged(int32(80877102), byte(1, 2)), /truncated/],
  ];

  for (const [what, raw, message] of malformed) {
    it(`refuses ${what} with 08P01`, () => {
      expectWireError(() => decode(raw), "08P01", message);
    });
  }
});

describe("client messages decoded in place, at every split of the stream", () => {
  it("decodes every message as it decodes on its own, and its body is the bytes past its header", () => {
    const messages = [
      fixtures.parse,
      fixtures.bind,
      fixtures.describe,
      fixtures.execute,
      fixtures.sync,
      fixtures.query,
      tagged("d", Buffer.from("1\t2\n")),
      tagged("c"),
      fixtures.flush,
      fixtures.terminate,
    ];
    const expected = messages.map(decode);
    const stream = Buffer.concat(messages);
    for (let split = 0; split <= stream.length; split += 1) {
      const frames = new FrameBuffer({ mode: "tagged", maxMessageBytes: MAX_MESSAGE_BYTES });
      const decoded: ClientMessage[] = [];
      // Copies, so the two reads share no memory, as two socket reads do not.
      for (const read of [stream.subarray(0, split), stream.subarray(split)].map((part) =>
        Buffer.from(part),
      )) {
        frames.push(read);
        for (let frame = frames.next(); frame; frame = frames.next()) {
          if (frame.kind !== "tagged") throw new Error("tagged only");
          expect(frame.body).toEqual(frame.raw.subarray(5));
          decoded.push(decodeClientFrame(frame));
        }
      }
      expect(decoded).toEqual(expected);
    }
  });
});
