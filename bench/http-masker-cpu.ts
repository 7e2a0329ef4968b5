/**
 * The HTTP JSON masker alone, as CPU time: the large response of bench/http.ts (customers with an
 * SSN, a card and an email) pushed through `JsonStreamMasker` in 64 KiB chunks with the same rules.
 * No sockets and no other process, so a shared machine's load moves it less than the end-to-end
 * rates; run it under `--cpu-prof` to see where the masking path spends its time.
 *
 *   ./node_modules/.bin/tsx [--cpu-prof] bench/http-masker-cpu.ts      (BENCH_HTTP_ROWS, default 200000)
 */
import { createHmac } from "node:crypto";
import { JsonStreamMasker } from "../packages/http-policy/src/json-stream-masker";
import { compileMasking } from "../packages/http-policy/src/value-masking";

const ROWS = Number(process.env.BENCH_HTTP_ROWS ?? 200_000);
const RUNS = 5;
const CHUNK_BYTES = 64 * 1024;

const customers = Array.from({ length: ROWS }, (_, id) => ({
  id,
  name: `Customer ${id}`,
  email: `user${id}@example.com`,
  ssn: "123-45-6789",
  card: "4111111111111111",
  balance: id * 1.5,
}));
const body = Buffer.from(JSON.stringify({ customers }));
const masking = compileMasking(
  [
    { name: "ssn", pointer: "/**/ssn", detector: null, strategy: "REDACT", keepLast: null, exemptGroups: [] },
    { name: "card", pointer: "/**/card", detector: null, strategy: "PARTIAL", keepLast: 4, exemptGroups: [] },
    { name: "emails", pointer: null, detector: "email", strategy: "HASH", keepLast: null, exemptGroups: [] },
  ],
  [],
  createHmac("sha256", "bench").update("sluice-masking-hash").digest(),
);

let best = Number.POSITIVE_INFINITY;
let outBytes = 0;
for (let run = 0; run < RUNS; run++) {
  const masker = new JsonStreamMasker(masking);
  const started = process.cpuUsage();
  outBytes = 0;
  for (let at = 0; at < body.length; at += CHUNK_BYTES)
    outBytes += masker.push(body.subarray(at, at + CHUNK_BYTES)).length;
  outBytes += masker.end().length;
  const used = process.cpuUsage(started);
  best = Math.min(best, (used.user + used.system) / 1000);
}
const mb = body.length / 1024 / 1024;
console.log(
  `${mb.toFixed(1)} MB in, ${(outBytes / 1024 / 1024).toFixed(1)} MB out: best of ${RUNS} ${best.toFixed(0)} ms CPU, ${(mb / (best / 1000)).toFixed(1)} MB/s`,
);
