import { randomBytes } from "node:crypto";
import { OutputBuffer } from "@sluice/wire/output-buffer";
import { WireError } from "@sluice/wire/wire-error";
import { afterEach, describe, expect, it } from "vitest";
import { mulberry32 as random } from "../../../test/mulberry32";
import { compileColumnProgram } from "../src/column-program";
import { maskDataRowsInto } from "../src/mask-rows";
import {
  allowNativeRowMasking,
  MALFORMED_WHY,
  MASK_ROWS_STATE,
  MASK_ROWS_STATUS,
  nativeRowMaskerFor,
} from "../src/native-row-masker";
import type { FieldInfo } from "../src/row-description";
import { type MaskPlan, maskDataRowInto } from "../src/row-masker";
import type { MaskRule } from "../src/strategies";

const KEY = randomBytes(32);
/** The native module exists wherever the install built it: its absence fails here, not a skip. */
const native = nativeRowMaskerFor(KEY) ?? missingNative();

function missingNative(): never {
  throw new Error(
    "packages/masking/native/build/keyed_hash.node was not built (or predates createRowMasker): run `node packages/masking/native/build.mjs`",
  );
}

type Random = () => number;
const pick = <T>(next: Random, items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
const int = (next: Random, below: number): number => Math.floor(next() * below);

/** Pieces values are made of: ASCII, 2-, 3- and 4-byte UTF-8, a BOM, and byte sequences that are not UTF-8. */
const PIECES: readonly Buffer[] = [
  Buffer.from("a"),
  Buffer.from("Z9"),
  Buffer.from("é"),
  Buffer.from("€"),
  Buffer.from("日本"),
  Buffer.from("😀"),
  Buffer.from("\ufeff"),
  Buffer.from([0x80]), // a lone continuation byte
  Buffer.from([0xc0, 0x80]), // overlong NUL
  Buffer.from([0xed, 0xa0, 0x80]), // a surrogate
  Buffer.from([0xf4, 0x90, 0x80, 0x80]), // past U+10FFFF
  Buffer.from([0xe2, 0x82]), // a truncated sequence
  Buffer.from([0xff]),
  Buffer.from([0x00]),
];

function randomValue(next: Random): Buffer | null {
  const kind = next();
  if (kind < 0.12) return null;
  if (kind < 0.2) return Buffer.alloc(0);
  if (kind < 0.205) return Buffer.alloc(70_000 + int(next, 40_000), "x"); // huge
  const isClean = next() < 0.7;
  const parts: Buffer[] = [];
  for (let i = int(next, 24); i >= 0; i--) {
    parts.push(isClean ? pick(next, PIECES.slice(0, 7)) : pick(next, PIECES));
  }
  return Buffer.concat(parts);
}

const TYPES = [25, 1043, 1042, 19, 18, 23, 17, 3802] as const;

function randomRule(next: Random): MaskRule | null {
  const kind = next();
  if (kind < 0.3) return null;
  if (kind < 0.45) return { name: "r", strategy: "REDACT" };
  if (kind < 0.6) return { name: "h", strategy: "HASH" };
  if (kind < 0.7) return { name: "n", strategy: "NULL" };
  const keepLast = pick(next, [undefined, 0, 1, 2, 3, 4, 7, 8, 9, 64]);
  return { name: "p", strategy: "PARTIAL", ...(keepLast === undefined ? {} : { keepLast }) };
}

function randomPlan(next: Random): MaskPlan | null {
  if (next() < 0.08) return null;
  const columns = 1 + int(next, 8);
  const fields: FieldInfo[] = [];
  const rules: (MaskRule | null)[] = [];
  for (let i = 0; i < columns; i++) {
    fields.push({ name: `c${i}`, tableOid: 1, attnum: i + 1, typeOid: pick(next, TYPES), format: 0 });
    rules.push(randomRule(next));
  }
  // Now and then a column the content detectors scan (the JavaScript's alone).
  const scan = rules.map((rule) => (rule === null && next() < 0.05 ? ("text" as const) : null));
  return { fields, rules, scan, detectors: [] };
}

function dataRowOf(values: (Buffer | null)[]): Buffer {
  const parts: Buffer[] = [];
  for (const value of values) {
    const length = Buffer.alloc(4);
    length.writeInt32BE(value ? value.length : -1);
    parts.push(length);
    if (value) parts.push(value);
  }
  const body = Buffer.concat(parts);
  const header = Buffer.alloc(7);
  header[0] = 0x44;
  header.writeInt32BE(6 + body.length, 1);
  header.writeUInt16BE(values.length, 5);
  return Buffer.concat([header, body]);
}

/** A row, now and then broken the ways an upstream could break one. */
function randomRow(next: Random, plan: MaskPlan | null): Buffer {
  const described = plan?.rules.length ?? 3;
  // Sometimes more columns than the description (the extras are masked to NULL), or fewer.
  const count =
    next() < 0.1 ? described + 1 + int(next, 3) : next() < 0.05 ? int(next, described) : described;
  const row = dataRowOf(Array.from({ length: count }, () => randomValue(next)));
  if (next() > 0.06) return row;
  switch (int(next, 6)) {
    case 0: // a column length past the row
      if (count > 0) row.writeInt32BE(row.length, 7);
      return row;
    case 1: // a column length below -1
      if (count > 0) row.writeInt32BE(-2 - int(next, 5), 7);
      return row;
    case 2: // a row length past the read
      row.writeInt32BE(row.length + 1 + int(next, 100), 1);
      return row;
    case 3: // a row length below its header
      row.writeInt32BE(int(next, 6), 1);
      return row;
    case 4: // more columns than the bytes hold
      row.writeUInt16BE(count + 1 + int(next, 3), 5);
      return row;
    default: // bytes left over after the columns
      return Buffer.concat([
        row.subarray(0, 1),
        int32(row.readInt32BE(1) + 2),
        row.subarray(5),
        Buffer.from("zz"),
      ]);
  }
}

function int32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeInt32BE(value);
  return bytes;
}

type Outcome = { bytes: Buffer; error: string | null };

function maskWith(isNative: boolean, read: Buffer, plan: MaskPlan | null): Outcome {
  allowNativeRowMasking(isNative);
  const out = new OutputBuffer(16);
  let error: string | null = null;
  try {
    maskDataRowsInto(read, 0, read.length, plan, KEY, out);
  } catch (thrown) {
    expect(thrown).toBeInstanceOf(WireError);
    error = (thrown as Error).message;
  }
  return { bytes: Buffer.from(out.take()), error };
}

/** The message maskDataRowInto gives for what the native code found wrong (see MALFORMED_WHY). */
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

afterEach(() => allowNativeRowMasking(true));

describe("native row masking, against the JavaScript", () => {
  it("writes the same bytes and throws the same errors for random plans and rows", () => {
    const statuses = new Map<number, number>();
    let malformedChecked = 0;
    for (let seed = 1; seed <= 1500; seed++) {
      const next = random(seed);
      const plan = randomPlan(next);
      const read = Buffer.concat(Array.from({ length: 1 + int(next, 12) }, () => randomRow(next, plan)));
      const expected = maskWith(false, read, plan);
      const actual = maskWith(true, read, plan);
      // Compared as bytes (a deep equal of arrays this size takes minutes); the seed names a failure.
      expect({ seed, error: actual.error, isSame: actual.bytes.equals(expected.bytes) }).toEqual({
        seed,
        error: expected.error,
        isSame: true,
      });

      // The native call on its own: how much it did itself, and, for a row it calls malformed,
      // the same reason as the JavaScript's error for that row.
      const program = compileColumnProgram(plan) as Int32Array;
      const state = new Int32Array(MASK_ROWS_STATE.SLOTS);
      const out = Buffer.alloc(64 + int(next, read.length * 2));
      const status = native(program, read, 0, read.length, out, 0, state);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status === MASK_ROWS_STATUS.MALFORMED) {
        const at = state[MASK_ROWS_STATE.IN] as number;
        expect(() => maskDataRowInto(read, plan, KEY, new OutputBuffer(16), at)).toThrow(
          `malformed DataRow from the server: ${nativeReason(state)}`,
        );
        malformedChecked += 1;
      }
    }
    // Every way out of the native call was taken, and most reads were masked by it alone.
    expect(statuses.get(MASK_ROWS_STATUS.DONE) ?? 0).toBeGreaterThan(300);
    expect(statuses.get(MASK_ROWS_STATUS.NEED_ROOM) ?? 0).toBeGreaterThan(10);
    expect(statuses.get(MASK_ROWS_STATUS.NEEDS_JS) ?? 0).toBeGreaterThan(10);
    expect(malformedChecked).toBeGreaterThan(10);
  }, 120_000);

  it("masks a row wider than its description to NULL past the described columns", () => {
    const plan: MaskPlan = {
      fields: [{ name: "id", tableOid: 1, attnum: 1, typeOid: 23, format: 0 }],
      rules: [null],
      scan: [null],
      detectors: [],
    };
    const row = dataRowOf([Buffer.from("7"), Buffer.from("secret@example.com")]);
    const masked = maskWith(true, row, plan);
    expect(masked).toEqual({ bytes: dataRowOf([Buffer.from("7"), null]), error: null });
  });

  it("keeps characters, not bytes, of non-ASCII text under a partial mask", () => {
    const plan: MaskPlan = {
      fields: [{ name: "name", tableOid: 1, attnum: 1, typeOid: 25, format: 0 }],
      rules: [{ name: "p", strategy: "PARTIAL", keepLast: 2 }],
      scan: [null],
      detectors: [],
    };
    const masked = maskWith(true, dataRowOf([Buffer.from("Zoë😀ab日本")]), plan);
    expect(masked.bytes).toEqual(dataRowOf([Buffer.from("******日本")]));
  });
});
