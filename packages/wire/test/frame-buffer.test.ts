import { decodeClientFrame, decodeTaggedMessage } from "@sluice/wire/client-messages";
import {
  admitAuthenticated,
  createClientFrameBuffer,
  createServerFrameBuffer,
  type Frame,
  FrameBuffer,
} from "@sluice/wire/frame-buffer";
import { MAX_MESSAGE_BYTES, MAX_PREAUTH_MESSAGE_BYTES } from "@sluice/wire/limits";
import {
  byte,
  commandComplete,
  cstr,
  dataRow,
  fixtures,
  int32,
  readyForQuery,
  tagged,
  untagged,
} from "@sluice/wire/testing";
import { describe, expect, it, vi } from "vitest";
import { expectWireError } from "./expect-wire-error";

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

/** Pushes each chunk and drains after each push, as the socket loop does. */
function frameChunks(chunks: Buffer[], buffer = createClientFrameBuffer()): Frame[] {
  const frames: Frame[] = [];
  for (const chunk of chunks) {
    buffer.push(chunk);
    for (let frame = buffer.next(); frame; frame = buffer.next()) frames.push(frame);
  }
  expect(buffer.buffered()).toBe(0);
  expect(buffer.totalConsumed()).toBe(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  return frames;
}

const decodeAll = (frames: Frame[]) => frames.map((frame) => decodeClientFrame(frame));
const concatRaw = (frames: Frame[]) => Buffer.concat(frames.map((frame) => frame.raw));

describe("FrameBuffer", () => {
  const whole = frameChunks([STREAM]);
  const wholeMessages = decodeAll(whole);

  it("frames a whole stream into its messages, raw bytes intact", () => {
    expect(whole.map((frame) => frame.raw)).toEqual(STREAM_PARTS);
    expect(wholeMessages.map((message) => message.name)).toEqual([
      "startup",
      "query",
      "parse",
      "bind",
      "describe",
      "execute",
      "sync",
      "copyData",
      "copyDone",
      "terminate",
    ]);
  });

  it("decodes the same messages whatever byte the stream is split at", () => {
    for (let at = 0; at <= STREAM.length; at++) {
      const frames = frameChunks([STREAM.subarray(0, at), STREAM.subarray(at)]);
      expect(decodeAll(frames), `split at ${at}`).toEqual(wholeMessages);
      expect(concatRaw(frames).equals(STREAM), `raw at ${at}`).toBe(true);
    }
  });

  it("decodes the same messages when the stream is cut at every pair of points", () => {
    for (let first = 1; first < STREAM.length; first += 7) {
      for (let second = first; second <= STREAM.length; second += 5) {
        const parts = [STREAM.subarray(0, first), STREAM.subarray(first, second), STREAM.subarray(second)];
        const frames = frameChunks(parts);
        expect(decodeAll(frames), `cut at ${first} and ${second}`).toEqual(wholeMessages);
        expect(concatRaw(frames).equals(STREAM)).toBe(true);
      }
    }
  });

  it("decodes the same messages one byte at a time", () => {
    const frames = frameChunks([...STREAM].map((value) => byte(value)));
    expect(decodeAll(frames)).toEqual(wholeMessages);
    expect(concatRaw(frames)).toEqual(STREAM);
  });

  it("never writes over bytes it already returned", () => {
    const buffer = createClientFrameBuffer();
    const frames: Frame[] = [];
    // Small chunks make the buffer join them in storage it owns and then append into its spare room.
    for (let at = 0; at < STREAM.length; at += 3) {
      buffer.push(Buffer.from(STREAM.subarray(at, at + 3)));
      for (let frame = buffer.next(); frame; frame = buffer.next()) frames.push(frame);
    }
    expect(frames.map((frame) => frame.raw)).toEqual(STREAM_PARTS);
  });

  it("does not write into the caller's chunk", () => {
    const chunk = Buffer.from(fixtures.query.subarray(0, 7));
    const copy = Buffer.from(chunk);
    const buffer = new FrameBuffer({ mode: "tagged", maxMessageBytes: 100 });
    buffer.push(chunk);
    buffer.push(fixtures.query.subarray(7));
    expect(buffer.next()?.raw).toEqual(fixtures.query);
    expect(chunk).toEqual(copy);
  });

  it("assembles a large message from many small chunks in few allocations", () => {
    const sql = `SELECT '${"x".repeat(1 << 20)}'`;
    const message = tagged("Q", cstr(sql));
    const chunks: Buffer[] = [];
    for (let at = 0; at < message.length; at += 1000) chunks.push(message.subarray(at, at + 1000));
    const allocations = vi.spyOn(Buffer, "allocUnsafe");
    try {
      const buffer = createClientFrameBuffer();
      admitAuthenticated(buffer); // a statement this long comes after authentication
      const frames = frameChunks([fixtures.startup, ...chunks], buffer);
      expect(decodeAll(frames)[1]).toEqual({ name: "query", sql });
      // Storage doubles (1049 chunks, a handful of allocations) and stops at the declared size.
      expect(allocations.mock.calls.length).toBeLessThan(12);
      expect(frames[1]?.raw.buffer.byteLength).toBe(message.length);
    } finally {
      allocations.mockRestore();
    }
  });

  it("copies only the message that straddles two chunks, not the chunk behind it", () => {
    const messages = Array.from({ length: 200 }, (_, i) => tagged("D", cstr(`row ${i}`)));
    const rows = Buffer.concat(messages);
    // Seven bytes into the 100th message: its header is whole, its body is cut.
    const cut = Buffer.concat(messages.slice(0, 99)).length + 7;
    // Not pooled: each chunk its own ArrayBuffer, as a socket read is.
    const first = Buffer.alloc(cut);
    rows.copy(first, 0, 0, cut);
    const second = Buffer.alloc(rows.length - cut);
    rows.copy(second, 0, cut);
    const buffer = createServerFrameBuffer();
    const frames: Frame[] = [];
    const allocations = vi.spyOn(Buffer, "allocUnsafe");
    let sizes: unknown[][] = [];
    try {
      for (const chunk of [first, second]) {
        buffer.push(chunk);
        for (let frame = buffer.next(); frame; frame = buffer.next()) frames.push(frame);
      }
      sizes = [...allocations.mock.calls];
    } finally {
      allocations.mockRestore();
    }
    expect(concatRaw(frames).equals(rows)).toBe(true);
    expect(buffer.buffered()).toBe(0);
    expect(sizes).toEqual([[messages[99]?.length]]);
    // Every message after the joined one is read from the second chunk itself.
    expect(frames.slice(100).every((frame) => frame.raw.buffer === second.buffer)).toBe(true);
  });

  it("stays untagged after SSLRequest and GSSENCRequest and switches after the StartupMessage", () => {
    const frames = frameChunks([
      fixtures.sslRequest,
      fixtures.gssencRequest,
      fixtures.startup,
      fixtures.sync,
      fixtures.terminate,
    ]);
    expect(frames.map((frame) => frame.kind)).toEqual([
      "untagged",
      "untagged",
      "untagged",
      "tagged",
      "tagged",
    ]);
  });

  it("can be switched by hand", () => {
    const buffer = new FrameBuffer({ mode: "tagged", maxMessageBytes: 100 });
    buffer.setMode("startup");
    expect(buffer.getMode()).toBe("startup");
    buffer.push(fixtures.cancel);
    expect(buffer.next()).toMatchObject({ kind: "untagged", code: 80877102, raw: fixtures.cancel });
    expect(buffer.getMode()).toBe("startup");
  });

  it("shows bytes sent after an SSLRequest, before the TLS handshake (CVE-2021-23214)", () => {
    const buffer = createClientFrameBuffer();
    buffer.push(Buffer.concat([fixtures.sslRequest, fixtures.query]));
    expect(decodeClientFrame(buffer.next() as Frame)).toEqual({ name: "sslRequest" });
    expect(buffer.buffered()).toBe(fixtures.query.length);
  });

  it("counts what it consumed and what is still buffered", () => {
    const buffer = createClientFrameBuffer();
    buffer.push(Buffer.concat([fixtures.startup, fixtures.query.subarray(0, 3)]));
    expect(buffer.buffered()).toBe(fixtures.startup.length + 3);
    expect(buffer.next()?.kind).toBe("untagged");
    expect(buffer.next()).toBeNull();
    expect(buffer.buffered()).toBe(3);
    expect(buffer.totalConsumed()).toBe(fixtures.startup.length);
    buffer.push(fixtures.query.subarray(3));
    expect(buffer.next()?.raw).toEqual(fixtures.query);
    expect(buffer.totalConsumed()).toBe(fixtures.startup.length + fixtures.query.length);
    expect(buffer.buffered()).toBe(0);
  });

  it("takes a message of exactly the cap and the smallest lengths", () => {
    const buffer = new FrameBuffer({ mode: "tagged", maxMessageBytes: 14 });
    buffer.push(Buffer.concat([tagged("Q", Buffer.alloc(10)), tagged("S")]));
    expect(buffer.next()?.body).toEqual(Buffer.alloc(10));
    expect(buffer.next()?.body).toEqual(Buffer.alloc(0));
    const startup = createClientFrameBuffer();
    startup.push(untagged(int32(196608)));
    expect(startup.next()).toMatchObject({ kind: "untagged", code: 196608, body: Buffer.alloc(0) });
  });

  it("takes a startup packet of PostgreSQL's largest size and refuses one byte more", () => {
    const largest = untagged(int32(196608), cstr("options"), cstr("x".repeat(10_000 - 4 - 8 - 2)), byte(0));
    expect(largest.length - 4).toBe(10_000);
    const buffer = createClientFrameBuffer();
    buffer.push(largest);
    expect(buffer.next()?.raw).toEqual(largest);
    const tooLong = createClientFrameBuffer();
    tooLong.push(int32(10_005));
    expectWireError(() => tooLong.next(), "08P01", /invalid length of startup packet \(10005\)/);
  });

  const badFraming: Array<[string, () => FrameBuffer, Buffer, RegExp]> = [
    ["a startup length below its header", createClientFrameBuffer, int32(7), /startup packet \(7\)/],
    ["a negative startup length", createClientFrameBuffer, int32(-1), /startup packet \(-1\)/],
    ["a huge startup length", createClientFrameBuffer, int32(0x7fffffff), /startup packet/],
    [
      "a tagged length below 4",
      () => new FrameBuffer({ mode: "tagged", maxMessageBytes: 100 }),
      Buffer.concat([Buffer.from("Q"), int32(3)]),
      /invalid message length 3 for message type 'Q'/,
    ],
    [
      "a negative tagged length",
      () => new FrameBuffer({ mode: "tagged", maxMessageBytes: 100 }),
      Buffer.concat([Buffer.from("Q"), int32(-5)]),
      /invalid message length -5/,
    ],
    [
      "a tagged length over the cap",
      () => new FrameBuffer({ mode: "tagged", maxMessageBytes: 100 }),
      Buffer.concat([Buffer.from("Q"), int32(101)]),
      /invalid message length 101/,
    ],
    [
      "a client message over MAX_PREAUTH_MESSAGE_BYTES before authentication",
      () => {
        const buffer = createClientFrameBuffer();
        buffer.setMode("tagged");
        return buffer;
      },
      Buffer.concat([Buffer.from("p"), int32(MAX_PREAUTH_MESSAGE_BYTES + 1)]),
      /invalid message length 65537/,
    ],
    [
      "a client message over MAX_MESSAGE_BYTES once authenticated",
      () => {
        const buffer = createClientFrameBuffer();
        buffer.setMode("tagged");
        admitAuthenticated(buffer);
        return buffer;
      },
      Buffer.concat([Buffer.from("Q"), int32(MAX_MESSAGE_BYTES + 1)]),
      /invalid message length 67108865/,
    ],
    [
      "an unknown type, before its length arrives",
      () => {
        const buffer = createClientFrameBuffer();
        buffer.setMode("tagged");
        return buffer;
      },
      byte(0x00),
      /invalid frontend message type '\\x00'/,
    ],
  ];

  for (const [what, create, bytes, message] of badFraming) {
    it(`refuses ${what} with 08P01, whole or a byte at a time`, () => {
      const whole = create();
      whole.push(bytes);
      expectWireError(() => whole.next(), "08P01", message);
      const bytewise = create();
      for (const value of bytes.subarray(0, -1)) {
        bytewise.push(byte(value));
        // A short prefix is only "more bytes needed"; the error comes once the header is complete.
        try {
          expect(bytewise.next()).toBeNull();
        } catch {
          return expectWireError(() => bytewise.next(), "08P01", message);
        }
      }
      bytewise.push(bytes.subarray(-1));
      expectWireError(() => bytewise.next(), "08P01", message);
    });
  }

  it("waits for an authenticated client's message above the pre-authentication cap", () => {
    const buffer = createClientFrameBuffer();
    buffer.setMode("tagged");
    admitAuthenticated(buffer);
    buffer.push(Buffer.concat([Buffer.from("Q"), int32(MAX_PREAUTH_MESSAGE_BYTES + 1)]));
    expect(buffer.next()).toBeNull();
    expect(buffer.buffered()).toBe(5);
  });

  it("frames upstream messages with the server cap, tagged from the first byte", () => {
    const buffer = createServerFrameBuffer();
    const readyForQuery = tagged("Z", Buffer.from("I"));
    buffer.push(Buffer.concat([readyForQuery, Buffer.from("D"), int32(MAX_MESSAGE_BYTES + 1)]));
    expect(buffer.next()).toMatchObject({ kind: "tagged", type: 0x5a, raw: readyForQuery });
    // Larger than any client message, still within what PostgreSQL may send: wait for the body.
    expect(buffer.next()).toBeNull();
    expect(buffer.buffered()).toBe(5);
    const tooBig = createServerFrameBuffer();
    tooBig.push(Buffer.concat([Buffer.from("D"), int32(0x7fffffff)]));
    expectWireError(() => tooBig.next(), "08P01", /invalid message length 2147483647/);
  });

  it("reads the same messages in place as next() does, wherever the stream is cut", () => {
    const messages = [
      tagged("T", Buffer.alloc(30, 1)),
      ...Array.from({ length: 40 }, (_, i) => dataRow([String(i), "x".repeat(i), null])),
      commandComplete("SELECT 40"),
      readyForQuery("I"),
    ];
    const stream = Buffer.concat(messages);
    for (const cut of [1, 2, 5, 7, 13, 64, 100, stream.length]) {
      const buffer = createServerFrameBuffer();
      const seen: { type: number; bytes: Buffer }[] = [];
      for (let at = 0; at < stream.length; at += cut) {
        buffer.push(stream.subarray(at, at + cut));
        for (let view = buffer.nextInPlace(); view; view = buffer.nextInPlace()) {
          seen.push({ type: view.type, bytes: view.bytes.subarray(view.start, view.end) });
        }
      }
      // Each message's bytes, checked after every later push: none was written over.
      expect(seen.map((message) => message.bytes)).toEqual(messages);
      expect(seen.map((message) => message.type)).toEqual(messages.map((message) => message[0]));
      expect(buffer.buffered()).toBe(0);
      expect(buffer.totalConsumed()).toBe(stream.length);
    }
  });

  it("gives an authenticated client's messages as their bytes alone, as next() does, wherever the stream is cut", () => {
    const messages = STREAM_PARTS.slice(1);
    const stream = Buffer.concat(messages);
    for (const cut of [1, 2, 3, 5, 7, 11, 16, stream.length]) {
      const buffer = createClientFrameBuffer();
      admitAuthenticated(buffer);
      buffer.setMode("tagged");
      const seen: Buffer[] = [];
      for (let at = 0; at < stream.length; at += cut) {
        buffer.push(stream.subarray(at, at + cut));
        for (let raw = buffer.nextRaw(); raw; raw = buffer.nextRaw()) seen.push(raw);
      }
      // Each message's bytes, checked after every later push: none was written over.
      expect(seen).toEqual(messages);
      expect(seen.map((raw) => decodeTaggedMessage(raw))).toEqual(wholeMessages.slice(1));
      expect(buffer.buffered()).toBe(0);
      expect(buffer.totalConsumed()).toBe(stream.length);
    }
    const garbage = createClientFrameBuffer();
    garbage.setMode("tagged");
    garbage.push(Buffer.from("z"));
    expectWireError(() => garbage.nextRaw(), "08P01", /invalid frontend message type 'z'/);
    expect(() => createClientFrameBuffer().nextRaw()).toThrow(/tagged messages only/);
  });

  it("checks lengths in place as next() does", () => {
    const buffer = createServerFrameBuffer();
    buffer.push(Buffer.concat([Buffer.from("D"), int32(3)]));
    expectWireError(() => buffer.nextInPlace(), "08P01", /invalid message length 3/);
    expect(() => createClientFrameBuffer().nextInPlace()).toThrow(/tagged messages only/);
  });
});
