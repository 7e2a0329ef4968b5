/**
 * Content-detector cost per 1,000 values, for every detector at once, over a mix of values like
 * those in whole-row and JSON results. Writes the table into docs/benchmarks.md.
 *
 *   ./node_modules/.bin/tsx bench/detector-cost.ts
 */
import path from "node:path";
import { type DetectorRule, maskDetected } from "../packages/masking/src/content-masker";
import { DETECTOR_NAMES } from "../packages/masking/src/detectors";
import { describeMachine } from "./lib/machine";
import { table, writeSection } from "./lib/markdown-section";

const REPORT = path.resolve(import.meta.dirname, "../docs/benchmarks.md");
const VALUES = 10_000;
const ROUNDS = 20;
const RULES: DetectorRule[] = DETECTOR_NAMES.map((detector) => ({
  name: detector,
  detector,
  strategy: "REDACT",
}));
const KEY = Buffer.alloc(32, 1);

const KINDS = {
  "plain words": (i: number) => `Customer note number ${i}: please call back tomorrow`,
  "row as text": (i: number) =>
    `(${i},Ada,Lovelace,ada${i}@example.com,415-555-${String(i % 10000).padStart(4, "0")},2026-11-25)`,
  "JSON document": (i: number) =>
    JSON.stringify({
      id: i,
      name: "Ada",
      email: `ada${i}@example.com`,
      card: "4242 4242 4242 4242",
      ip: "10.0.0.1",
      tags: ["a", "b"],
    }),
  "short code": (i: number) => `SKU-${i}`,
  // Non-ASCII text and values the detectors fold (no-break spaces, an RFC 6531 address).
  "mixed-script note": (i: number) =>
    `Kundin Zoë Müller ${i}: zoë${i}@exämple.de, Tel.\u00a0+49\u00a030\u00a01234\u00a0${String(i % 10000).padStart(4, "0")}, 東京`,
} as const;

function measure(values: string[]): number {
  for (const value of values.slice(0, 1000)) maskDetected(value, RULES, KEY); // warm-up
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    const started = process.hrtime.bigint();
    for (const value of values) maskDetected(value, RULES, KEY);
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e6);
  }
  return (best / values.length) * 1000;
}

const rows = Object.entries(KINDS).map(([kind, make]) => {
  const values = Array.from({ length: VALUES }, (_, i) => make(i));
  const ms = measure(values);
  return [kind, String(values[0]?.length ?? 0), ms.toFixed(3), ms <= 1 ? "yes" : "no"];
});
const body = [
  "## Content detectors",
  "",
  `\`bench/detector-cost.ts\`: all ${DETECTOR_NAMES.length} detectors (${DETECTOR_NAMES.join(", ")}) over ${VALUES.toLocaleString("en-US")} values of each kind, best of ${ROUNDS} rounds, masking included. ${describeMachine("n/a")}. Target: at most 1 ms per 1,000 values.`,
  "",
  table(["values", "length (chars)", "ms per 1,000 values", "within target"], rows),
].join("\n");
writeSection(REPORT, "detector-cost", body);
console.log(body);
