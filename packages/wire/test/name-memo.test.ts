import { type ClientMessage, decodeClientFrame, NameMemo } from "@sluice/wire/client-messages";
import { FrameBuffer } from "@sluice/wire/frame-buffer";
import { MAX_MESSAGE_BYTES } from "@sluice/wire/limits";
import { int16, tagged } from "@sluice/wire/testing";
import { describe, expect, it } from "vitest";
import { expectWireError } from "./expect-wire-error";

/** A Bind of no parameters with these name bytes, decoded as the transport decodes it. */
function decodeBind(portal: Buffer, statement: Buffer, names?: NameMemo): ClientMessage {
  const frames = new FrameBuffer({ mode: "tagged", maxMessageBytes: MAX_MESSAGE_BYTES });
  frames.push(
    tagged(
      "B",
      Buffer.concat([portal, Buffer.of(0)]),
      Buffer.concat([statement, Buffer.of(0)]),
      int16(0),
      int16(0),
      int16(0),
    ),
  );
  const frame = frames.next();
  if (!frame) throw new Error("no frame");
  return decodeClientFrame(frame, names);
}

const names = (message: ClientMessage) =>
  message.name === "bind" ? [message.portal, message.statement] : ["not a bind"];

describe("a Bind's names read through the connection's NameMemo", () => {
  it("are the names the decoder reads without it, for names met before, new ones and long ones", () => {
    const memo = new NameMemo();
    const long = "s".repeat(65);
    // Twelve names of one length in turn (more than the memo keeps), each twice, among others.
    const sent = [
      ...Array.from({ length: 12 }, (_, i) => `P0_${i.toString(16)}`),
      ...Array.from({ length: 12 }, (_, i) => `P0_${i.toString(16)}`),
      "é_stmt",
      "é_stmt",
      long,
      long,
      "",
    ];
    for (const name of sent) {
      const bytes = Buffer.from(name);
      expect(names(decodeBind(bytes, bytes, memo))).toEqual(names(decodeBind(bytes, bytes)));
      expect(names(decodeBind(Buffer.from("portal"), bytes, memo))).toEqual(["portal", name]);
    }
  });

  it("never lets a kept name stand for other bytes of its length", () => {
    const memo = new NameMemo();
    expect(names(decodeBind(Buffer.from(""), Buffer.from("s1ab"), memo))).toEqual(["", "s1ab"]);
    expect(names(decodeBind(Buffer.from(""), Buffer.from("s1ac"), memo))).toEqual(["", "s1ac"]);
    expect(names(decodeBind(Buffer.from(""), Buffer.from("t1ab"), memo))).toEqual(["", "t1ab"]);
    expect(names(decodeBind(Buffer.from(""), Buffer.from("s1ab"), memo))).toEqual(["", "s1ab"]);
  });

  it("still refuses a name that is not UTF-8, after a valid name of its length was kept", () => {
    const memo = new NameMemo();
    decodeBind(Buffer.from(""), Buffer.from("ab"), memo);
    expectWireError(() => decodeBind(Buffer.from(""), Buffer.from([0x61, 0xc3]), memo), "22021");
    expectWireError(() => decodeBind(Buffer.from([0xff, 0x61]), Buffer.from("ab"), memo), "22021");
    // Refused twice: the refused bytes were never kept.
    expectWireError(() => decodeBind(Buffer.from(""), Buffer.from([0x61, 0xc3]), memo), "22021");
  });
});
