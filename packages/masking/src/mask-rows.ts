import type { OutputBuffer } from "@sluice/wire/output-buffer";
import { compileColumnProgram, needsJavaScript } from "./column-program";
import { MASK_ROWS_STATE, MASK_ROWS_STATUS, nativeRowMaskerFor } from "./native-row-masker";
import { type MaskPlan, maskDataRowInto } from "./row-masker";

/** Where the native call stopped and why; one per process, as a read is masked without yielding. */
const state = new Int32Array(MASK_ROWS_STATE.SLOTS);

/** Each plan's program, compiled once: rows come in runs of one plan. */
const programs = new WeakMap<MaskPlan, Int32Array | null>();
/** Rows of no known description mask every column to NULL: a program of no columns. */
const NO_PLAN_PROGRAM = compileColumnProgram(null) as Int32Array;
let lastPlan: MaskPlan | null = null;
let lastProgram: Int32Array | null = null;

/** The plan's program when the native code can mask its rows, else null (the JavaScript masks them). */
function nativeProgramOf(plan: MaskPlan | null): Int32Array | null {
  if (!plan) return NO_PLAN_PROGRAM;
  if (plan === lastPlan) return lastProgram;
  let program = programs.get(plan);
  if (program === undefined) {
    const compiled = compileColumnProgram(plan);
    // A content-detector column scans nearly every row's value: whole rows go to the JavaScript
    // rather than being checked twice (once in C, then again when handed over).
    program = compiled && !needsJavaScript(compiled) ? compiled : null;
    programs.set(plan, program);
  }
  lastPlan = plan;
  lastProgram = program;
  return program;
}

/**
 * Masks the DataRows lying one after another at raw[start..end] (whole messages, header included)
 * under one plan into `out`: in one native call per read when the native module is built
 * (native/mask_rows.c), row by row in JavaScript otherwise. The JavaScript (maskDataRowInto) stays
 * the reference: a row the native code hands back (malformed, or needing what only the JavaScript
 * does) is masked by it, so the bytes, and the WireError for a malformed row, are the same either way.
 * @throws WireError for a row whose lengths do not add up (see maskDataRowInto).
 */
export function maskDataRowsInto(
  raw: Buffer,
  start: number,
  end: number,
  plan: MaskPlan | null,
  hashKey: Buffer,
  out: OutputBuffer,
): void {
  const maskRows = nativeRowMaskerFor(hashKey);
  const program = maskRows ? nativeProgramOf(plan) : null;
  let at = start;
  while (at < end) {
    if (!maskRows || !program) {
      at = maskRowInJavaScript(raw, at, end, plan, hashKey, out);
      continue;
    }
    // Masked rows are rarely longer than the originals (placeholders over short values): room
    // for a quarter more, and more when a row asks for it.
    out.ensureSpare(end - at + ((end - at) >> 2) + 64);
    const status = maskRows(program, raw, at, end, out.bytes, out.size, state);
    out.commit(state[MASK_ROWS_STATE.OUT] as number);
    at = state[MASK_ROWS_STATE.IN] as number;
    if (status === MASK_ROWS_STATUS.DONE) return;
    if (status === MASK_ROWS_STATUS.NEED_ROOM) out.ensureSpare(state[MASK_ROWS_STATE.DETAIL] as number);
    // Malformed (the JavaScript throws its WireError) or needing the JavaScript: this row is its.
    else at = maskRowInJavaScript(raw, at, end, plan, hashKey, out);
  }
}

/**
 * maskDataRowInto for the row at raw[at..end]; returns where the next row starts. It checks a row
 * against the end of the bytes it is given, so it gets the run's own range: a row claiming more
 * than the run holds is malformed here too, never masked with bytes past it.
 */
function maskRowInJavaScript(
  raw: Buffer,
  at: number,
  end: number,
  plan: MaskPlan | null,
  hashKey: Buffer,
  out: OutputBuffer,
): number {
  maskDataRowInto(end < raw.length ? raw.subarray(0, end) : raw, plan, hashKey, out, at);
  // It checked the row's length against the bytes there: the next row starts after it.
  return at + 1 + raw.readInt32BE(at + 1);
}
