import { decodeClientFrame } from "@sluice/wire/client-messages";
import { FrameBuffer } from "@sluice/wire/frame-buffer";
import { MAX_MESSAGE_BYTES } from "@sluice/wire/limits";
import { decodeServerFrame } from "@sluice/wire/server-decoder";
import { assertUtf8Strict, decodeUtf8Strict, firstInvalidUtf8 } from "@sluice/wire/strict-utf8";
import { byte, cstr, int16, int32, tagged } from "@sluice/wire/testing";
import { describe, expect, it } from "vitest";
import { expectWireError } from "./expect-wire-error";

function decodeTagged(raw: Buffer) {
  const frames = new FrameBuffer({ mode: "tagged", maxMessageBytes: MAX_MESSAGE_BYTES });
  frames.push(raw);
  const frame = frames.next();
  if (!frame) throw new Error("fixture is not one message");
  return decodeClientFrame(frame);
}

const sql = (...parts: Array<string | number[]>) =>
  Buffer.concat(parts.map((part) => (typeof part === "string" ? Buffer.from(part) : Buffer.from(part))));

describe("strict UTF-8 (PostgreSQL's pg_utf8_islegal and report_invalid_encoding)", () => {
  it("decodes valid text of every sequence length", () => {
    const text = "a é € 𝄞 \u{10FFFF}";
    expect(decodeUtf8Strict(Buffer.from(text))).toBe(text);
  });

  // Each message is what PostgreSQL 18 says for the same bytes (the integration tier checks it live).
  const invalid: Array<[string, number[], string]> = [
    ["a lone continuation byte (GBK lead 0xBF before a backslash)", [0xbf, 0x5c], "0xbf"],
    ["a lead byte cut short by ASCII", [0xc3, 0x27], "0xc3 0x27"],
    ["an overlong two-byte quote (0xC0 0xA7)", [0xc0, 0xa7], "0xc0 0xa7"],
    ["an overlong three-byte form", [0xe0, 0x80, 0xa7], "0xe0 0x80 0xa7"],
    ["an overlong four-byte form", [0xf0, 0x80, 0x80, 0xa7], "0xf0 0x80 0x80 0xa7"],
    ["a UTF-16 surrogate", [0xed, 0xa0, 0x80], "0xed 0xa0 0x80"],
    ["a code point past U+10FFFF", [0xf4, 0x90, 0x80, 0x80], "0xf4 0x90 0x80 0x80"],
    ["a five-byte lead", [0xf8, 0x88, 0x80, 0x80, 0x80], "0xf8"],
    ["0xFF", [0xff], "0xff"],
    ["a sequence cut short by the closing quote", [0xe2, 0x82], "0xe2 0x82 0x27"],
    ["a NUL", [0x00], "0x00"],
  ];
  for (const [what, bytes, quoted] of invalid) {
    it(`refuses ${what} with 22021, quoting the bytes as the server does`, () => {
      const input = Buffer.concat([Buffer.from("x'"), Buffer.from(bytes), Buffer.from("'")]);
      expectWireError(
        () => decodeUtf8Strict(input),
        "22021",
        new RegExp(`^invalid byte sequence for encoding "UTF8": ${quoted}$`),
      );
      expect(firstInvalidUtf8(input)).toBe(2);
      // The check without the string refuses the same bytes with the same words.
      expectWireError(
        () => assertUtf8Strict(input),
        "22021",
        new RegExp(`^invalid byte sequence for encoding "UTF8": ${quoted}$`),
      );
    });
  }

  it("reads plain ASCII as itself, a range of it too, and still refuses a NUL inside it", () => {
    const text = Buffer.from("P0_1\x00SELECT 1");
    expect(decodeUtf8Strict(text, 0, 4)).toBe("P0_1");
    expect(decodeUtf8Strict(text, 5)).toBe("SELECT 1");
    expect(decodeUtf8Strict(Buffer.alloc(0))).toBe("");
    expectWireError(() => decodeUtf8Strict(text), "22021", /0x00$/);
    expectWireError(() => assertUtf8Strict(Buffer.from("12\x003")), "22021", /0x00$/);
    expect(() => assertUtf8Strict(Buffer.from("42 é"))).not.toThrow();
  });
});

describe("client messages are read strictly", () => {
  const gbk = sql("SELECT E'", [0xbf], "\\' AS harmless; DELETE FROM orders; -- '");

  it("refuses a Query whose SQL is not UTF-8 instead of replacing the bytes", () => {
    expectWireError(() => decodeTagged(tagged("Q", gbk, byte(0))), "22021", /"UTF8": 0xbf$/);
  });

  it("refuses a Parse whose SQL or statement name is not UTF-8", () => {
    expectWireError(() => decodeTagged(tagged("P", cstr("s1"), gbk, byte(0), int16(0))), "22021");
    expectWireError(
      () => decodeTagged(tagged("P", sql("s", [0xc3]), byte(0), cstr("SELECT 1"), int16(0))),
      "22021",
    );
  });

  it("refuses a text Bind value that is not UTF-8 or holds a NUL, as the server does", () => {
    const bind = (format: number, value: Buffer) =>
      tagged(
        "B",
        cstr(""),
        cstr(""),
        int16(1),
        int16(format),
        int16(1),
        int32(value.length),
        value,
        int16(0),
      );
    expectWireError(() => decodeTagged(bind(0, sql([0xbf]))), "22021", /0xbf$/);
    expectWireError(() => decodeTagged(bind(0, sql("a", [0], "b"))), "22021", /0x00$/);
    // Binary values are bytes (bytea, int4 ...): not text, so not refused here.
    expect(decodeTagged(bind(1, sql([0xbf, 0]))).name).toBe("bind");
    expect(decodeTagged(bind(0, Buffer.from("é"))).name).toBe("bind");
  });

  it("checks each Bind value by its own format: none (all text), one for all, or one per value", () => {
    const values = (...parts: Buffer[]) => parts.flatMap((value) => [int32(value.length), value]);
    const bad = sql("x", [0xc3]);
    const good = Buffer.from("ok");
    const bindOf = (formats: number[], ...parts: Buffer[]) =>
      tagged(
        "B",
        cstr("p"),
        cstr("s"),
        int16(formats.length),
        ...formats.map((format) => int16(format)),
        int16(parts.length + 1),
        ...values(...parts),
        int32(-1),
        int16(0),
      );
    expectWireError(() => decodeTagged(bindOf([], good, bad)), "22021", /0xc3$/);
    expectWireError(() => decodeTagged(bindOf([0], good, bad)), "22021", /0xc3$/);
    expect(decodeTagged(bindOf([1], good, bad)).name).toBe("bind");
    // One per value (the NULL's included): the binary one may hold any bytes, the text one not.
    expect(decodeTagged(bindOf([0, 1, 0], good, bad)).name).toBe("bind");
    expectWireError(() => decodeTagged(bindOf([1, 0, 1], good, bad)), "22021", /0xc3$/);
    expectWireError(() => decodeTagged(bindOf([0, 0, 0], good, bad)), "22021", /0xc3$/);
  });
});

describe("the server's own messages are read leniently", () => {
  it("decodes an ErrorResponse whose text is not UTF-8 (sent before client_encoding applies)", () => {
    const frames = new FrameBuffer({ mode: "tagged", maxMessageBytes: MAX_MESSAGE_BYTES });
    frames.push(tagged("E", Buffer.from("SFATAL\0C28000\0M"), Buffer.from([0x72, 0xe9, 0x73]), byte(0, 0)));
    const frame = frames.next();
    if (!frame) throw new Error("fixture is not one message");
    expect(decodeServerFrame(frame)).toEqual({
      name: "error",
      fields: { S: "FATAL", C: "28000", M: "r\ufffds" },
    });
  });
});
