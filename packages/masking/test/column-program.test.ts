import { describe, expect, it } from "vitest";
import { COLUMN_OP, compileColumnProgram, needsJavaScript } from "../src/column-program";
import type { FieldInfo } from "../src/row-description";
import type { MaskPlan, ScanMode } from "../src/row-masker";
import type { MaskRule } from "../src/strategies";

const TEXT = 25;
const INT4 = 23;

function field(typeOid: number): FieldInfo {
  return { name: "c", tableOid: 1, attnum: 1, typeOid, format: 0 };
}

function plan(columns: [number, MaskRule | null, ScanMode?][]): MaskPlan {
  return {
    fields: columns.map(([type]) => field(type)),
    rules: columns.map(([, rule]) => rule),
    scan: columns.map(([, , scan]) => scan ?? null),
    detectors: [],
  };
}

/** The program as (op, argument) pairs, after its column count. */
function pairs(program: Int32Array | null): number[][] {
  if (!program) throw new Error("no program");
  expect(program[0]).toBe((program.length - 1) / 2);
  return Array.from(
    { length: program[0] as number },
    (_, i) => [program[1 + 2 * i], program[2 + 2 * i]] as number[],
  );
}

describe("column program", () => {
  it("compiles each strategy on a text column to its own operation", () => {
    const program = compileColumnProgram(
      plan([
        [INT4, null],
        [TEXT, { name: "r", strategy: "REDACT" }],
        [TEXT, { name: "h", strategy: "HASH" }],
        [TEXT, { name: "p", strategy: "PARTIAL", keepLast: 3 }],
        [TEXT, { name: "n", strategy: "NULL" }],
      ]),
    );
    expect(pairs(program)).toEqual([
      [COLUMN_OP.KEEP, 0],
      [COLUMN_OP.REDACT, 0],
      [COLUMN_OP.HASH, 0],
      [COLUMN_OP.PARTIAL, 3],
      [COLUMN_OP.NULL, 0],
    ]);
    expect(needsJavaScript(program as Int32Array)).toBe(false);
  });

  it("masks a non-text column to NULL whatever its rule, as columnForm does", () => {
    for (const strategy of ["REDACT", "HASH", "PARTIAL", "NULL"] as const) {
      expect(pairs(compileColumnProgram(plan([[INT4, { name: "x", strategy }]])))).toEqual([
        [COLUMN_OP.NULL, 0],
      ]);
    }
  });

  it("caps partial's kept characters as partialText does, 4 when the rule says none", () => {
    const kept = (keepLast?: number) =>
      pairs(
        compileColumnProgram(
          plan([[TEXT, { name: "p", strategy: "PARTIAL", ...(keepLast === undefined ? {} : { keepLast }) }]]),
        ),
      );
    expect(kept()).toEqual([[COLUMN_OP.PARTIAL, 4]]);
    expect(kept(0)).toEqual([[COLUMN_OP.PARTIAL, 0]]);
    expect(kept(8)).toEqual([[COLUMN_OP.PARTIAL, 8]]);
    expect(kept(64)).toEqual([[COLUMN_OP.PARTIAL, 8]]);
  });

  it("leaves to the JavaScript what the C does not do exactly: a scanned column, an odd keepLast", () => {
    const scanned = compileColumnProgram(
      plan([
        [TEXT, null, "text"],
        [INT4, null],
      ]),
    );
    expect(pairs(scanned)).toEqual([
      [COLUMN_OP.JS, 0],
      [COLUMN_OP.KEEP, 0],
    ]);
    expect(needsJavaScript(scanned as Int32Array)).toBe(true);
    for (const keepLast of [2.5, -1, Number.NaN]) {
      expect(
        pairs(compileColumnProgram(plan([[TEXT, { name: "p", strategy: "PARTIAL", keepLast }]]))),
      ).toEqual([[COLUMN_OP.JS, 0]]);
    }
  });

  it("has no columns without a plan: every value of such a row is masked to NULL", () => {
    expect(Array.from(compileColumnProgram(null) as Int32Array)).toEqual([0]);
  });
});
