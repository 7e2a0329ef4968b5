import { randomBytes } from "node:crypto";
import { OutputBuffer } from "@sluice/wire/output-buffer";
import { WireError } from "@sluice/wire/wire-error";
import { afterEach, describe, expect, it } from "vitest";
import { COLUMN_OP, compileColumnProgram } from "../src/column-program";
import { maskDataRowsInto } from "../src/mask-rows";
import {
  allowNativeRowMasking,
  MALFORMED_WHY,
  MASK_ROWS_STATE,
  MASK_ROWS_STATUS,
  type MaskRows,
  nativeRowMaskerFor,
} from "../src/native-row-masker";
import type { FieldInfo } from "../src/row-description";
import { type MaskPlan, maskDataRowInto } from "../src/row-masker";
import type { MaskRule } from "../src/strategies";

/**
 * A review's attacks on native/mask_rows.c: arguments a caller could get wrong, lengths an upstream
 * could lie with, and UTF-8 at every edge of a partial mask. Each case is checked two ways: the
 * native call on its own never touches memory outside its arrays (canaries around them), and a whole
 * read masked with the native module writes the bytes and throws the errors the JavaScript does.
 */
const KEY = randomBytes(32);
const native: MaskRows =
  nativeRowMaskerFor(KEY) ??
  (() => {
    throw new Error(
      "packages/masking/native/build/keyed_hash.node was not built: run `node packages/masking/native/build.mjs`",
    );
  })();

afterEach(() => allowNativeRowMasking(true));

function int32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeInt32BE(value | 0);
  return bytes;
}

/** A DataRow of `values` (null: SQL NULL), its lengths as they should be. */
function dataRowOf(values: (Buffer | null)[]): Buffer {
  const body = Buffer.concat(values.flatMap((value) => (value ? [int32(value.length), value] : [int32(-1)])));
  const header = Buffer.alloc(7);
  header[0] = 0x44;
  header.writeInt32BE(6 + body.length, 1);
  header.writeUInt16BE(values.length, 5);
  return Buffer.concat([header, body]);
}

/** A DataRow from its parts as given: a declared length and count that need not be true. */
function rawRow(declared: number, count: number, body: Buffer): Buffer {
  const header = Buffer.alloc(7);
  header[0] = 0x44;
  header.writeInt32BE(declared | 0, 1);
  header.writeUInt16BE(count, 5);
  return Buffer.concat([header, body]);
}

function planOf(rules: (MaskRule | null)[], typeOid = 25): MaskPlan {
  const fields: FieldInfo[] = rules.map((_, i) => ({
    name: `c${i}`,
    tableOid: 1,
    attnum: i + 1,
    typeOid,
    format: 0,
  }));
  return { fields, rules, scan: rules.map(() => null), detectors: [] };
}

type Outcome = { bytes: string; error: string | null };

function maskWith(
  isNative: boolean,
  read: Buffer,
  plan: MaskPlan | null,
  start = 0,
  end = read.length,
): Outcome {
  allowNativeRowMasking(isNative);
  const out = new OutputBuffer(16);
  let error: string | null = null;
  try {
    maskDataRowsInto(read, start, end, plan, KEY, out);
  } catch (thrown) {
    if (!(thrown instanceof WireError)) throw thrown;
    error = thrown.message;
  }
  return { bytes: Buffer.from(out.take()).toString("hex"), error };
}

function expectSameAsJavaScript(read: Buffer, plan: MaskPlan | null): Outcome {
  const expected = maskWith(false, read, plan);
  const actual = maskWith(true, read, plan);
  expect(actual).toEqual(expected);
  return actual;
}

const CANARY = 0xa5;
const GUARD = 64;

/** `length` bytes in the middle of a canary-filled buffer, so a write past either end shows. */
function guarded(length: number): { all: Buffer; inner: Buffer } {
  const all = Buffer.alloc(length + 2 * GUARD, CANARY);
  return { all, inner: all.subarray(GUARD, GUARD + length) };
}

function expectGuardsIntact(all: Buffer, length: number): void {
  expect(all.subarray(0, GUARD).every((byte) => byte === CANARY)).toBe(true);
  expect(all.subarray(GUARD + length).every((byte) => byte === CANARY)).toBe(true);
}

/** Runs the native call on a copy of `read` laid between canaries; returns its status and state. */
function nativeAlone(
  program: Int32Array,
  read: Buffer,
  outLength: number,
): { status: number; state: Int32Array; out: Buffer } {
  const data = guarded(read.length);
  read.copy(data.inner);
  const out = guarded(outLength);
  const state = new Int32Array(MASK_ROWS_STATE.SLOTS);
  const status = native(program, data.inner, 0, read.length, out.inner, 0, state);
  expectGuardsIntact(out.all, outLength);
  expect(data.inner.equals(read)).toBe(true); // the input is only read
  expect(state[MASK_ROWS_STATE.IN]).toBeGreaterThanOrEqual(0);
  expect(state[MASK_ROWS_STATE.IN]).toBeLessThanOrEqual(read.length);
  expect(state[MASK_ROWS_STATE.OUT]).toBeGreaterThanOrEqual(0);
  expect(state[MASK_ROWS_STATE.OUT]).toBeLessThanOrEqual(outLength);
  return { status, state, out: Buffer.from(out.inner) };
}

/** The message maskDataRowInto gives for what the native call found wrong (see MALFORMED_WHY). */
function nativeReason(state: Int32Array): string {
  const column = state[MASK_ROWS_STATE.COLUMN];
  switch (state[MASK_ROWS_STATE.DETAIL]) {
    case MALFORMED_WHY.SHORT:
      return "shorter than its header";
    case MALFORMED_WHY.LENGTH:
      return "its length is out of range";
    case MALFORMED_WHY.COLUMN_START:
      return `column ${column} starts past its end`;
    case MALFORMED_WHY.COLUMN_LENGTH:
      return `column ${column} has length ${state[MASK_ROWS_STATE.LENGTH]}`;
    default:
      return "its columns do not fill its length";
  }
}

const KEEP_ALL = planOf([null, null, null]);
/** Partial masks read every value in the checking pass: a length past the row would read past it. */
const PARTIAL_ALL = planOf(new Array(3).fill({ name: "p", strategy: "PARTIAL", keepLast: 2 }));
const MASK_ALL = planOf([
  { name: "r", strategy: "REDACT" },
  { name: "h", strategy: "HASH" },
  { name: "p", strategy: "PARTIAL", keepLast: 8 },
]);

describe("native row masker: arguments", () => {
  const row = dataRowOf([Buffer.from("123-45-6789"), Buffer.from("a@b.c"), null]);
  const program = compileColumnProgram(MASK_ALL) as Int32Array;

  function wideProgram(columns: number): Int32Array {
    const wide = new Int32Array(1 + 2 * columns);
    wide[0] = columns;
    return wide;
  }

  function call(args: unknown[]): () => unknown {
    return () => (native as unknown as (...values: unknown[]) => unknown)(...args);
  }

  it("refuses every argument that would reach outside its arrays, writing nothing", () => {
    const out = Buffer.alloc(256, CANARY);
    const state = new Int32Array(MASK_ROWS_STATE.SLOTS).fill(-7);
    const good: unknown[] = [program, row, 0, row.length, out, 0, state];
    const bad: [number, unknown][] = [
      [0, new Int32Array([2, 0, 0])], // count and length disagree
      [0, new Int32Array([-1])],
      [0, wideProgram(65536)], // wider than an Int16 count
      [0, new Int32Array([1, COLUMN_OP.PARTIAL, -1])],
      [0, new Int32Array(0)],
      [0, new Uint32Array([0])],
      [0, [0]],
      [1, new Uint8ClampedArray(row)],
      [1, new DataView(row.buffer, row.byteOffset, row.length)],
      [1, new Uint16Array(8)],
      [2, -1],
      [2, 0.5],
      [2, Number.NaN],
      [2, row.length + 1], // start past end
      [2, "0"],
      [2, 0n],
      [3, row.length + 1],
      [3, Number.POSITIVE_INFINITY],
      [3, 2 ** 32],
      [3, 2 ** 53 + 2],
      [4, new Int8Array(256)],
      [5, out.length + 1],
      [5, -0.5],
      [6, new Int32Array(MASK_ROWS_STATE.SLOTS - 1)],
      [6, new Uint32Array(MASK_ROWS_STATE.SLOTS)],
    ];
    for (const [index, value] of bad) {
      const args = [...good];
      args[index] = value;
      expect(call(args), `argument ${index}: ${String(value)}`).toThrow(TypeError);
    }
    expect(call(good.slice(0, 6))).toThrow(TypeError);
    expect(call([...good, 0])).toThrow(TypeError);
    expect(out.every((byte) => byte === CANARY)).toBe(true);
    expect([...state]).toEqual(new Array(MASK_ROWS_STATE.SLOTS).fill(-7));
    expect(call(good)()).toBe(MASK_ROWS_STATUS.DONE);
  });

  it("reads nothing of a detached input and writes nothing to a detached output", () => {
    const state = new Int32Array(MASK_ROWS_STATE.SLOTS);
    const data = new Uint8Array(row);
    structuredClone(data.buffer, { transfer: [data.buffer] });
    expect(data.length).toBe(0);
    expect(native(program, data, 0, 0, Buffer.alloc(64), 0, state)).toBe(MASK_ROWS_STATUS.DONE);
    expect(call([program, data, 0, row.length, Buffer.alloc(64), 0, state])).toThrow(TypeError);

    const out = new Uint8Array(256);
    structuredClone(out.buffer, { transfer: [out.buffer] });
    expect(native(program, row, 0, row.length, out, 0, state)).toBe(MASK_ROWS_STATUS.NEED_ROOM);
    expect([state[MASK_ROWS_STATE.IN], state[MASK_ROWS_STATE.OUT]]).toEqual([0, 0]);

    const detachedState = new Int32Array(MASK_ROWS_STATE.SLOTS);
    structuredClone(detachedState.buffer, { transfer: [detachedState.buffer] });
    expect(call([program, row, 0, row.length, Buffer.alloc(256), 0, detachedState])).toThrow(TypeError);
  });

  it("reads only data[start..end] of a view into a larger buffer, never the bytes past `end`", () => {
    // A clear row right after the range; the range's own row declares itself long enough to reach it.
    const secret = dataRowOf([Buffer.from("999-99-9999"), Buffer.from("x"), Buffer.from("y")]);
    const lying = rawRow(6 + 4 + 4 + secret.length, 1, Buffer.concat([int32(4 + secret.length)]));
    const memory = Buffer.concat([Buffer.from("zzzz"), lying, secret]);
    const data = memory.subarray(4, 4 + lying.length);
    const out = guarded(512);
    const state = new Int32Array(MASK_ROWS_STATE.SLOTS);
    const status = native(
      compileColumnProgram(KEEP_ALL) as Int32Array,
      data,
      0,
      data.length,
      out.inner,
      0,
      state,
    );
    expect(status).toBe(MASK_ROWS_STATUS.MALFORMED);
    expect(state[MASK_ROWS_STATE.OUT]).toBe(0);
    expectGuardsIntact(out.all, 512);
    expect(out.inner.every((byte) => byte === CANARY)).toBe(true);
  });

  it("never writes past the room it has, for every size of output", () => {
    const read = Buffer.concat([
      row,
      dataRowOf([Buffer.from("é日😀ab"), Buffer.alloc(0), Buffer.from("x")]),
      row,
    ]);
    const whole = nativeAlone(program, read, 4096);
    expect(whole.status).toBe(MASK_ROWS_STATUS.DONE);
    const needed = whole.state[MASK_ROWS_STATE.OUT] as number;
    for (let room = 0; room <= needed + 1; room++) {
      const { status, state, out } = nativeAlone(program, read, room);
      const wrote = state[MASK_ROWS_STATE.OUT] as number;
      expect(status).toBe(room >= needed ? MASK_ROWS_STATUS.DONE : MASK_ROWS_STATUS.NEED_ROOM);
      // Whole rows only: what it wrote is a prefix of the whole output, and the rest untouched.
      expect(out.subarray(0, wrote).equals(whole.out.subarray(0, wrote))).toBe(true);
      expect(out.subarray(wrote).every((byte) => byte === CANARY)).toBe(true);
      if (status === MASK_ROWS_STATUS.NEED_ROOM) {
        expect(wrote + (state[MASK_ROWS_STATE.DETAIL] as number)).toBeGreaterThan(room);
      }
    }
  });
});

describe("native row masker: lengths an upstream could lie with", () => {
  const value = Buffer.from("123-45-6789");
  const extremes = [0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 0x40000000, 0x3fffffff, 0x80000001];

  const cases: [string, Buffer][] = [
    ...extremes.map((declared): [string, Buffer] => [
      `row length ${declared.toString(16)}`,
      rawRow(declared, 1, Buffer.concat([int32(value.length), value])),
    ]),
    ...[0, 1, 4, 5, 6].map((declared): [string, Buffer] => [
      `row length ${declared}`,
      rawRow(declared, 0, Buffer.alloc(0)),
    ]),
    ...extremes.map((length): [string, Buffer] => [
      `column length ${length.toString(16)}`,
      rawRow(6 + 4 + value.length, 1, Buffer.concat([int32(length), value])),
    ]),
    ["column length -2", rawRow(6 + 4 + value.length, 1, Buffer.concat([int32(-2), value]))],
    [
      "column length one past",
      rawRow(6 + 4 + value.length, 1, Buffer.concat([int32(value.length + 1), value])),
    ],
    [
      "column length one short",
      rawRow(6 + 4 + value.length, 1, Buffer.concat([int32(value.length - 1), value])),
    ],
    ["NULL with bytes after it", rawRow(6 + 4 + value.length, 1, Buffer.concat([int32(-1), value]))],
    ["no columns", dataRowOf([])],
    ["no columns, bytes left over", rawRow(6 + 2, 0, Buffer.from("zz"))],
    ["65535 empty values", dataRowOf(new Array(65535).fill(Buffer.alloc(0)))],
    ["65535 NULLs", dataRowOf(new Array(65535).fill(null))],
    ["65535 columns, one missing", rawRow(6 + 4 * 65534, 65535, Buffer.alloc(4 * 65534))],
    [
      "65535 columns counted, 1 there",
      rawRow(6 + 4 + value.length, 65535, Buffer.concat([int32(value.length), value])),
    ],
    ["a column length split by the row end", rawRow(6 + 2, 1, Buffer.from([0, 0]))],
    ["a type that is not D", Buffer.concat([Buffer.from("C"), dataRowOf([value]).subarray(1)])],
  ];

  for (const [name, row] of cases) {
    it(`${name}: the JavaScript's bytes or error, and only whole rows from the native call`, () => {
      // Alone, behind a clean row, and truncated at every point of its first 48 bytes.
      const clean = dataRowOf([value, value, value]);
      const reads = [row, Buffer.concat([clean, row]), Buffer.concat([row, clean])];
      for (let cut = 1; cut < Math.min(row.length, 48); cut++) reads.push(row.subarray(0, cut));
      for (const read of reads) {
        for (const plan of [MASK_ALL, PARTIAL_ALL, KEEP_ALL, null]) {
          expectSameAsJavaScript(read, plan);
          const program = compileColumnProgram(plan) as Int32Array;
          const { status, state } = nativeAlone(program, read, read.length * 4 + 64);
          if (status === MASK_ROWS_STATUS.DONE) expect(state[MASK_ROWS_STATE.IN]).toBe(read.length);
          if (status === MASK_ROWS_STATUS.MALFORMED) {
            // Found wrong for the JavaScript's reason, at the row the JavaScript throws for.
            const at = state[MASK_ROWS_STATE.IN] as number;
            expect(() => maskDataRowInto(read, plan, KEY, new OutputBuffer(16), at)).toThrow(
              `malformed DataRow from the server: ${nativeReason(state)}`,
            );
          }
        }
      }
    });
  }

  it("masks every column of a 65535-column row, past the plan's last to NULL", () => {
    const values = Array.from({ length: 65535 }, (_, i) => (i % 5 === 4 ? null : Buffer.from(`v${i}é`)));
    const row = dataRowOf(values);
    const wide = planOf(
      Array.from({ length: 65535 }, (_, i): MaskRule | null =>
        i % 3 === 0
          ? null
          : i % 3 === 1
            ? { name: "p", strategy: "PARTIAL", keepLast: 2 }
            : { name: "h", strategy: "HASH" },
      ),
    );
    for (const plan of [wide, MASK_ALL, KEEP_ALL, null]) {
      const outcome = expectSameAsJavaScript(row, plan);
      expect(outcome.error).toBeNull();
    }
  });

  it("gives the same answer for a range that starts and ends inside the read", () => {
    const rows = [dataRowOf([value, null, value]), dataRowOf([Buffer.from("é€😀"), value, Buffer.alloc(0)])];
    const read = Buffer.concat([Buffer.from("Zxxxx"), ...rows, Buffer.from("C\0\0\0\x04")]);
    const start = 5;
    const end = read.length - 5;
    for (const plan of [MASK_ALL, KEEP_ALL, null]) {
      expect(maskWith(true, read, plan, start, end)).toEqual(maskWith(false, read, plan, start, end));
    }
  });
});

describe("native row masker: partial masks at every UTF-8 edge", () => {
  /** Bytes each position of a sequence is tried with: every class a decoder tells apart. */
  const EDGES = [
    0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0,
    0xf4, 0xf5, 0xff,
  ];

  function sequences(): Buffer[] {
    const out: Buffer[] = [];
    for (let lead = 0x80; lead <= 0xff; lead++) {
      for (let second = 0; second <= 0xff; second++) out.push(Buffer.from([lead, second]));
    }
    for (let lead = 0xe0; lead <= 0xef; lead++) {
      for (const b of EDGES) for (const c of EDGES) out.push(Buffer.from([lead, b, c]));
    }
    for (let lead = 0xf0; lead <= 0xf7; lead++) {
      for (const b of EDGES)
        for (const c of EDGES)
          for (const d of [0x80, 0xbf, 0x41, 0xc0]) out.push(Buffer.from([lead, b, c, d]));
    }
    // Values that are valid but unusual: a BOM, U+FFFD itself, noncharacters, the last code point.
    for (const text of [
      "\ufeff",
      "\ufffd",
      "\uffff",
      "\ufffe",
      "\u{10ffff}",
      "\u{10000}",
      "\u0800",
      "\u0080",
      "\0",
    ]) {
      out.push(Buffer.from(text));
    }
    return out;
  }

  it("writes what the JavaScript writes, wherever the sequence falls against the cut", () => {
    const all = sequences();
    for (const keepLast of [0, 1, 4, 8]) {
      const plan = planOf([{ name: "p", strategy: "PARTIAL", keepLast }, null]);
      for (const [before, after] of [
        [0, 0],
        [1, 1],
        [9, 0],
      ] as const) {
        const rows = all.map((sequence) =>
          dataRowOf([
            Buffer.concat([Buffer.alloc(before, "x"), sequence, Buffer.alloc(after, "y")]),
            Buffer.from("k"),
          ]),
        );
        // One read of many rows, as a socket read is: a row handed to the JavaScript mid-read.
        for (let i = 0; i < rows.length; i += 4096) {
          const read = Buffer.concat(rows.slice(i, i + 4096));
          const expected = maskWith(false, read, plan);
          const actual = maskWith(true, read, plan);
          expect({
            keepLast,
            before,
            after,
            i,
            same: actual.bytes === expected.bytes,
            error: actual.error,
          }).toEqual({
            keepLast,
            before,
            after,
            i,
            same: true,
            error: expected.error,
          });
        }
      }
    }
  }, 120_000);

  it("never shows more than the rule's last characters of a partial value", () => {
    const plan = planOf([{ name: "p", strategy: "PARTIAL", keepLast: 64 }]);
    const secret = "１２３－４５－６７８９😀😀"; // 13 characters, 41 bytes
    const outcome = maskWith(true, dataRowOf([Buffer.from(secret)]), plan);
    const text = Buffer.from(outcome.bytes, "hex").subarray(11).toString("utf8");
    // At most half its characters (6 of 13), however many the rule asks for.
    expect(text).toBe(`${"*".repeat(7)}６７８９😀😀`);
  });
});

describe("a run that ends inside a row", () => {
  // A row whose declared length reaches past the run's end, into bytes that lie after it in the same
  // buffer (a clear row of another read, say): neither masker may use those bytes.
  const clear = Buffer.from("123-45-6789");
  const row = dataRowOf([clear, clear]);
  const plan = planOf([{ name: "r", strategy: "REDACT" }, null]);

  it.each([true, false])("is malformed, not masked with what lies past the end (native %s)", (isNative) => {
    const cut = row.length - 3;
    const outcome = maskWith(isNative, row, plan, 0, cut);
    expect(outcome.error).toMatch(/malformed|length|past/i);
    expect(Buffer.from(outcome.bytes, "hex").includes(clear)).toBe(false);
  });
});
