import { redactLiterals } from "@sluice/sql/redact-literals";
import { dataRowBody, tagged as message } from "@sluice/wire/testing";
import { describe, expect, it } from "vitest";
import { parseEvents } from "../src/events";
import { NdjsonBlocks } from "../src/ndjson-blocks";
import { SessionRecorder } from "../src/session-recorder";

const dataRow = (values: (string | null)[]) => message("D", dataRowBody(values));

const TRICKY = [
  'say "hi"',
  "back\\slash",
  "tab\tnew\nline\r\u0001\u001f",
  "ünïcödé ✓ 日本 😀",
  "",
  "}{][,:",
  "x".repeat(70_000),
];

describe("rows written straight from the wire into NDJSON", () => {
  it("reads back every value exactly, quotes, escapes, control characters and long values included", () => {
    const recorder = new SessionRecorder({ resultBytesCap: 10_000_000, redactLiterals });
    const rows = Array.from({ length: 300 }, (_, i) => [
      TRICKY[i % TRICKY.length] as string,
      i % 5 === 0 ? null : String(i),
    ]);
    recorder.toClientBytes(
      Buffer.concat([
        ...rows.map(dataRow),
        message("C", Buffer.from('SELECT "300"\0')),
        message("Z", Buffer.from("I")),
      ]),
    );
    const events = parseEvents(recorder.drain());
    expect(events.filter((event) => event.type === "row").map((event) => event.values)).toEqual(rows);
    expect(events.at(-2)).toMatchObject({ type: "complete", tag: 'SELECT "300"', rows: 300 });
    expect(events.at(-1)).toMatchObject({ type: "ready" });
    expect(recorder.hasPending).toBe(false);
  });

  it("counts what it drains: the store keeps the number of events per chunk", () => {
    const recorder = new SessionRecorder({ resultBytesCap: 1024, redactLiterals });
    recorder.toClientBytes(Buffer.concat([dataRow(["a"]), dataRow(["b"]), message("Z", Buffer.from("I"))]));
    const { bytes, events } = recorder.drainBytes();
    expect(events).toBe(3);
    expect(parseEvents(bytes.toString("utf8"))).toHaveLength(3);
  });

  it("copies rows up to the result cap, counts the rest, and starts over with the next result", () => {
    const recorder = new SessionRecorder({ resultBytesCap: 100, redactLiterals });
    // 25-byte row bodies: four fit in 100; the rest arrive in the same write and the next one.
    const rows = Array.from({ length: 6 }, () => dataRow(["0123456789012345678"]));
    recorder.toClientBytes(Buffer.concat(rows));
    recorder.toClientBytes(Buffer.concat([...rows, message("C", Buffer.from("SELECT 12\0"))]));
    recorder.toClientBytes(Buffer.concat([dataRow(["again"]), message("C", Buffer.from("SELECT 1\0"))]));
    const events = parseEvents(recorder.drain());
    const completes = events.filter((event) => event.type === "complete");
    expect(completes).toMatchObject([
      { rows: 12, truncatedRows: 8 },
      { rows: 1, truncatedRows: 0 },
    ]);
    expect(events.filter((event) => event.type === "row")).toHaveLength(5);
  });

  it("keeps a recording valid UTF-8 and going when the server sends what it should not", () => {
    const recorder = new SessionRecorder({ resultBytesCap: 1024, redactLiterals });
    const latin1 = Buffer.concat([Buffer.from([0, 1, 0, 0, 0, 3]), Buffer.from([0x41, 0xe9, 0x42])]);
    // Says three values, holds one: left out, counted.
    const broken = Buffer.concat([Buffer.from([0, 3, 0, 0, 0, 1]), Buffer.from("x")]);
    recorder.toClientBytes(
      Buffer.concat([
        message("D", latin1),
        message("D", broken),
        message("d", Buffer.from("copy data is not shown")),
        message("C", Buffer.from("SELECT 2\0")),
      ]),
    );
    const { bytes } = recorder.drainBytes();
    expect(bytes.toString("utf8")).not.toContain("copy data");
    const events = parseEvents(bytes.toString("utf8"));
    expect(events.find((event) => event.type === "row")).toMatchObject({ values: ["A\uFFFDB"] });
    expect(events.at(-1)).toMatchObject({ type: "complete", rows: 2, truncatedRows: 1 });
    expect(Buffer.from(bytes.toString("utf8"), "utf8").equals(bytes)).toBe(true);
  });
});

describe("integers written digit by digit", () => {
  it("writes what String writes, for every digit count and across block boundaries", () => {
    const blocks = new NdjsonBlocks();
    const values = [0, 7, 9, 10, 99, 100, 1009, 65_535, 4_294_967_296, Number.MAX_SAFE_INTEGER];
    // Enough lines to fill several 64 KiB blocks, so some integers land at a block's end.
    const written: string[] = [];
    for (let i = 0; i < 40_000; i += 1) {
      const value = values[i % values.length] as number;
      blocks.ascii("x".repeat(i % 7));
      blocks.int(value);
      blocks.endLine();
      written.push(`${"x".repeat(i % 7)}${value}`);
    }
    const { bytes, lines } = blocks.take();
    expect(lines).toBe(written.length);
    expect(bytes.toString("utf8")).toBe(`${written.join("\n")}\n`);
  });

  it("writes a value that is not a safe non-negative integer as String does", () => {
    const blocks = new NdjsonBlocks();
    for (const value of [1.5, -3, 2 ** 60]) {
      blocks.int(value);
      blocks.endLine();
    }
    expect(blocks.take().bytes.toString("utf8")).toBe(`1.5\n-3\n${String(2 ** 60)}\n`);
  });
});
