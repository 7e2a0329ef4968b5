import { decodeClientFrame, isClientMessageType } from "@sluice/wire/client-messages";
import { type Frame, FrameBuffer } from "@sluice/wire/frame-buffer";
import { MAX_MESSAGE_BYTES } from "@sluice/wire/limits";
import { WireError } from "@sluice/wire/wire-error";
import { describe, expect, it } from "vitest";
import { fixtures, int32, tagged } from "./bytes";

const STREAM_PARTS = [
  fixtures.startup,
  fixtures.query,
  fixtures.parse,
  fixtures.bind,
  fixtures.describe,
  fixtures.execute,
  fixtures.sync,
  fixtures.copyData,
  fixtures.copyDone,
  fixtures.terminate,
];
const STREAM = Buffer.concat(STREAM_PARTS);

function newBuffer(): FrameBuffer {
  return new FrameBuffer({
    mode: "startup",
    maxMessageBytes: MAX_MESSAGE_BYTES,
    isKnownType: isClientMessageType,
  });
}

function decodeChunks(chunks: Buffer[]): { frames: Frame[]; messages: unknown[] } {
  const buffer = newBuffer();
  const frames: Frame[] = [];
  for (const chunk of chunks) {
    buffer.push(chunk);
    for (let frame = buffer.next(); frame; frame = buffer.next()) frames.push(frame);
  }
  expect(buffer.buffered()).toBe(0);
  return { frames, messages: frames.map((frame) => decodeClientFrame(frame)) };
}

describe("FrameBuffer", () => {
  const whole = decodeChunks([STREAM]);

  it("frames a whole stream into its messages, raw bytes intact", () => {
    expect(whole.frames).toHaveLength(STREAM_PARTS.length);
    expect(Buffer.concat(whole.frames.map((frame) => frame.raw))).toEqual(STREAM);
    for (const [i, frame] of whole.frames.entries()) expect(frame.raw).toEqual(STREAM_PARTS[i]);
  });

  it("decodes the same messages whatever byte the stream is split at", () => {
    for (let at = 0; at <= STREAM.length; at++) {
      const split = decodeChunks([STREAM.subarray(0, at), STREAM.subarray(at)]);
      expect(split.messages, `split at ${at}`).toEqual(whole.messages);
    }
  });

  it("decodes the same messages when every split point is cut twice", () => {
    for (let at = 1; at < STREAM.length - 1; at += 3) {
      const parts = [STREAM.subarray(0, at), STREAM.subarray(at, at + 2), STREAM.subarray(at + 2)];
      expect(decodeChunks(parts).messages, `split at ${at}`).toEqual(whole.messages);
    }
  });

  it("decodes the same messages one byte at a time", () => {
    const bytes = [...STREAM].map((byte) => Buffer.from([byte]));
    expect(decodeChunks(bytes).messages).toEqual(whole.messages);
  });

  it("stays untagged after SSLRequest and switches after the StartupMessage", () => {
    const { frames } = decodeChunks([fixtures.sslRequest, fixtures.startup, fixtures.sync]);
    expect(frames.map((frame) => frame.kind)).toEqual(["untagged", "untagged", "tagged"]);
  });

  it("counts what it consumed and what is still buffered", () => {
    const buffer = newBuffer();
    buffer.push(Buffer.concat([fixtures.startup, fixtures.query.subarray(0, 3)]));
    expect(buffer.next()?.kind).toBe("untagged");
    expect(buffer.next()).toBeNull();
    expect(buffer.buffered()).toBe(3);
    expect(buffer.totalConsumed()).toBe(fixtures.startup.length);
  });

  it("refuses lengths below the header, above the cap, and unknown types at once", () => {
    const tooShort = newBuffer();
    tooShort.push(int32(3));
    expect(() => tooShort.next()).toThrow(WireError);

    const tooLongStartup = newBuffer();
    tooLongStartup.push(Buffer.concat([int32(20_000), int32(196608)]));
    expect(() => tooLongStartup.next()).toThrow(/invalid length of startup packet/);

    const tagged4 = new FrameBuffer({ mode: "tagged", maxMessageBytes: 100 });
    tagged4.push(Buffer.concat([Buffer.from("Q"), int32(101)]));
    expect(() => tagged4.next()).toThrow(/invalid message length 101/);

    const negative = new FrameBuffer({ mode: "tagged", maxMessageBytes: 100 });
    negative.push(Buffer.concat([Buffer.from("Q"), int32(-5)]));
    expect(() => negative.next()).toThrow(WireError);

    const unknown = new FrameBuffer({
      mode: "tagged",
      maxMessageBytes: 100,
      isKnownType: isClientMessageType,
    });
    unknown.push(Buffer.from([0x00]));
    expect(() => unknown.next()).toThrow(/invalid frontend message type '\\x00'/);
  });

  it("carries protocol-violation SQLSTATE on every framing error", () => {
    const buffer = new FrameBuffer({ mode: "tagged", maxMessageBytes: 10 });
    buffer.push(tagged("Q", Buffer.alloc(20)));
    try {
      buffer.next();
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(WireError);
      expect((error as WireError).code).toBe("08P01");
    }
  });
});
