import { deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { INLINE_DEFLATE_MAX_BYTES, packChunk, unpackChunk, unpackChunks } from "../src/chunk-codec";
import { encodeEvent, encodeEvents, type RecordingEvent } from "../src/events";

const EVENTS: RecordingEvent[] = [
  {
    t: 0,
    type: "connect",
    agent: "bot",
    groups: ["a"],
    connection: "shop",
    clientAddress: "::1",
    isTls: true,
  },
  { t: 1, type: "statement", n: 1, sql: 'SELECT "x\\y", E\'\\n\' -- "quoted"\n\tnext line \u0001 ünïcødé' },
  { t: 2, type: "verdict", n: 1, kind: "allow", maskedTables: ["public.customers"] },
  { t: 3, type: "columns", n: 1, names: ["id", 'na"me'] },
  { t: 4, type: "row", n: 1, values: ["1", null, 'a"b\\c\u0000\u001f\u2028', ""] },
  { t: 5, type: "row", n: 1, values: [] },
  { t: 6, type: "complete", n: 1, tag: "SELECT 2", rows: 2, truncatedRows: 0 },
  { t: 7, type: "error", n: 2, severity: "ERROR", code: "42501", message: "blocked" },
  { t: 8, type: "notice", n: 2, message: "waiting" },
  { t: 9, type: "ready", n: 2 },
  { t: 10, type: "end", reason: "client terminated the session" },
];

describe("recording event lines", () => {
  it("encodes every event type as the JSON it stands for, escapes included", () => {
    for (const event of EVENTS) {
      const line = encodeEvent(event);
      expect(line).not.toContain("\n");
      expect(JSON.parse(line)).toEqual(event);
    }
  });
});

describe("recording chunks", () => {
  const text = EVENTS.map((event) => `${encodeEvent(event)}\n`).join("");

  it("compresses a small chunk without the thread pool, to the same bytes as a large one's way", async () => {
    let packed: Buffer | null = null;
    void packChunk(text).then((bytes) => {
      packed = bytes;
    });
    // Settled within the current turn: no trip to the thread pool and back.
    await Promise.resolve();
    await Promise.resolve();
    expect(packed).not.toBeNull();
    expect(packed).toEqual(deflateSync(Buffer.from(text), { level: 1 }));
    const large = text.repeat(Math.ceil((INLINE_DEFLATE_MAX_BYTES + 1) / text.length));
    expect(unpackChunk(await packChunk(large))).toEqual(unpackChunk(Buffer.from(large)));
  });

  it("round-trips compressed, and stores far fewer bytes than the NDJSON", async () => {
    const many = text.repeat(200);
    const packed = await packChunk(many);
    expect(packed.length).toBeLessThan(Buffer.byteLength(many) / 10);
    expect(unpackChunk(packed)).toHaveLength(EVENTS.length * 200);
    expect(unpackChunk(await packChunk(text))).toEqual(EVENTS);
  });

  it("still reads chunks stored as plain NDJSON", () => {
    expect(unpackChunk(encodeEvents(EVENTS))).toEqual(EVENTS);
  });

  it("reads a session's chunks up to the first one that cannot be read", async () => {
    const good = await packChunk(text);
    const corrupt = Buffer.from(good);
    const at = corrupt.length - 3;
    corrupt[at] = (corrupt[at] ?? 0) ^ 0xff;
    const events = unpackChunks([{ payload: good }, { payload: corrupt }, { payload: good }]);
    expect(events).toEqual(EVENTS);
  });
});
