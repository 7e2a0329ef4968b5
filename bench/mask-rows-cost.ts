/**
 * The row path alone, in one process: masking-stream's rows (five columns; keyed hash, redaction,
 * partial) masked a read at a time, natively (native/mask_rows.c) and in JavaScript
 * (maskDataRowInto), in interleaved rounds so the host's drift hits both alike. Prints ns per row,
 * median and range over the rounds, and the ratio per round. Nothing is written to the docs.
 *
 *   ./node_modules/.bin/tsx bench/mask-rows-cost.ts      (BENCH_ROWS, default 200000; BENCH_ROUNDS, 9)
 */
import { randomBytes } from "node:crypto";
import { maskDataRowsInto } from "../packages/masking/src/mask-rows";
import { allowNativeRowMasking, nativeRowMaskerFor } from "../packages/masking/src/native-row-masker";
import type { MaskPlan } from "../packages/masking/src/row-masker";
import { OutputBuffer } from "../packages/wire/src/output-buffer";
import { dataRow } from "../packages/wire/src/testing";

const ROWS = Number(process.env.BENCH_ROWS ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
/** A socket read of the upstream: the rows of one read are masked in one go. */
const READ_BYTES = 64 * 1024;
const KEY = randomBytes(32);

const field = (name: string, attnum: number, typeOid: number) => ({
  name,
  tableOid: 1,
  attnum,
  typeOid,
  format: 0,
});
const PLAN: MaskPlan = {
  fields: [
    field("id", 1, 23),
    field("first_name", 2, 25),
    field("email", 3, 25),
    field("ssn", 4, 25),
    field("card_number", 5, 25),
  ],
  rules: [
    null,
    null,
    { name: "email", strategy: "HASH" },
    { name: "ssn", strategy: "REDACT" },
    { name: "card_number", strategy: "PARTIAL", keepLast: 4 },
  ],
  scan: [null, null, null, null, null],
  detectors: [],
};

/** Whole rows cut into reads of about READ_BYTES (a row is never split: the frame buffer joins those). */
function reads(): Buffer[] {
  const out: Buffer[] = [];
  let pending: Buffer[] = [];
  let size = 0;
  for (let g = 1; g <= ROWS; g++) {
    const pad = (n: number, width: number) => String(n).padStart(width, "0");
    const row = dataRow([
      String(g),
      `Name${g}`,
      `user${g}@example.com`,
      `${pad(100 + (g % 800), 3)}-${pad(10 + (g % 89), 2)}-${pad(1000 + (g % 8999), 4)}`,
      `4242 4242 ${pad(g % 10000, 4)} ${pad((g * 7) % 10000, 4)}`,
    ]);
    pending.push(row);
    size += row.length;
    if (size >= READ_BYTES) {
      out.push(Buffer.concat(pending));
      pending = [];
      size = 0;
    }
  }
  if (pending.length > 0) out.push(Buffer.concat(pending));
  return out;
}

function nsPerRow(chunks: Buffer[], isNative: boolean): number {
  allowNativeRowMasking(isNative);
  const started = process.hrtime.bigint();
  for (const chunk of chunks) {
    const out = new OutputBuffer(chunk.length + (chunk.length >> 2) + 256);
    maskDataRowsInto(chunk, 0, chunk.length, PLAN, KEY, out);
    out.take();
  }
  return Number(process.hrtime.bigint() - started) / ROWS;
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const range = (values: number[]) => `${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)}`;

if (!nativeRowMaskerFor(KEY))
  throw new Error("the native module is not built: node packages/masking/native/build.mjs");
const chunks = reads();
// Warm-up: both paths optimised before anything counts.
nsPerRow(chunks, true);
nsPerRow(chunks, false);
const native: number[] = [];
const js: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  // Alternating which goes first, so neither always runs on a warmer (or busier) minute.
  if (round % 2 === 0) {
    native.push(nsPerRow(chunks, true));
    js.push(nsPerRow(chunks, false));
  } else {
    js.push(nsPerRow(chunks, false));
    native.push(nsPerRow(chunks, true));
  }
}
const ratios = js.map((value, i) => value / (native[i] as number));
console.log(`${ROWS} rows in ${chunks.length} reads, ${ROUNDS} interleaved rounds`);
console.log(`native: median ${median(native).toFixed(0)} ns/row (range ${range(native)})`);
console.log(`JavaScript: median ${median(js).toFixed(0)} ns/row (range ${range(js)})`);
console.log(
  `JavaScript ÷ native per round: median ${median(ratios).toFixed(2)} (range ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`,
);
