/**
 * The HTTP JSON masker alone, as CPU time: the large response of bench/http.ts (customers with an
 * SSN, a card and an email) pushed through `JsonStreamMasker` in 64 KiB chunks with the same rules.
 * No sockets and no other process, so a shared machine's load moves it less than the end-to-end
 * rates; run it under `--cpu-prof` to see where the masking path spends its time. With
 * BENCH_HTTP_MASKER_BASELINE=/path/to/another/checkout, that checkout's masker runs interleaved
 * with this one's in the same process, and their outputs must be identical bytes. Then the same for
 * the small calls' answers: SMALL_BODIES bodies of one customer, each through a masker of its own
 * (what a small call costs the masking path, per body).
 *
 *   ./node_modules/.bin/tsx [--cpu-prof] bench/http-masker-cpu.ts      (BENCH_HTTP_ROWS, default 200000)
 */
import { createHmac } from "node:crypto";
import path from "node:path";
import { JsonStreamMasker } from "../packages/http-policy/src/json-stream-masker";
import type { HttpMaskingRule } from "../packages/http-policy/src/rules";
import { compileMasking } from "../packages/http-policy/src/value-masking";

const ROWS = Number(process.env.BENCH_HTTP_ROWS ?? 200_000);
const RUNS = 5;
const CHUNK_BYTES = 64 * 1024;
const BASELINE = process.env.BENCH_HTTP_MASKER_BASELINE;
const SMALL_BODIES = 100_000;

type Masker = { push(chunk: Buffer): Buffer; end(): Buffer };
type MaskerVersion = { name: string; create: () => Masker };

const customers = Array.from({ length: ROWS }, (_, id) => ({
  id,
  name: `Customer ${id}`,
  email: `user${id}@example.com`,
  ssn: "123-45-6789",
  card: "4111111111111111",
  balance: id * 1.5,
}));
const body = Buffer.from(JSON.stringify({ customers }));
const RULES: HttpMaskingRule[] = [
  { name: "ssn", pointer: "/**/ssn", detector: null, strategy: "REDACT", keepLast: null, exemptGroups: [] },
  { name: "card", pointer: "/**/card", detector: null, strategy: "PARTIAL", keepLast: 4, exemptGroups: [] },
  { name: "emails", pointer: null, detector: "email", strategy: "HASH", keepLast: null, exemptGroups: [] },
];
const HASH_KEY = createHmac("sha256", "bench").update("sluice-masking-hash").digest();

async function baselineVersion(checkout: string): Promise<MaskerVersion> {
  const source = path.join(path.resolve(checkout), "packages/http-policy/src");
  const masker = await import(path.join(source, "json-stream-masker.ts"));
  const values = await import(path.join(source, "value-masking.ts"));
  const masking = values.compileMasking(RULES, [], HASH_KEY);
  return { name: `baseline (${checkout})`, create: () => new masker.JsonStreamMasker(masking) };
}

function run(version: MaskerVersion): { ms: number; out: Buffer } {
  const masker = version.create();
  const parts: Buffer[] = [];
  const started = process.cpuUsage();
  for (let at = 0; at < body.length; at += CHUNK_BYTES)
    parts.push(masker.push(body.subarray(at, at + CHUNK_BYTES)));
  parts.push(masker.end());
  const used = process.cpuUsage(started);
  return { ms: (used.user + used.system) / 1000, out: Buffer.concat(parts) };
}

const masking = compileMasking(RULES, [], HASH_KEY);
const versions: MaskerVersion[] = [
  ...(BASELINE ? [await baselineVersion(BASELINE)] : []),
  { name: "this tree", create: () => new JsonStreamMasker(masking) },
];
const best = versions.map(() => Number.POSITIVE_INFINITY);
const outputs: Buffer[] = [];
for (let round = 0; round < RUNS; round++)
  versions.forEach((version, index) => {
    const { ms, out } = run(version);
    best[index] = Math.min(best[index] as number, ms);
    outputs[index] = out;
  });
const mb = body.length / 1024 / 1024;
versions.forEach((version, index) => {
  const ms = best[index] as number;
  console.log(
    `${version.name}: ${mb.toFixed(1)} MB in, ${((outputs[index]?.length ?? 0) / 1024 / 1024).toFixed(1)} MB out: best of ${RUNS} ${ms.toFixed(0)} ms CPU, ${(mb / (ms / 1000)).toFixed(1)} MB/s`,
  );
});
if (outputs.length === 2 && !(outputs[0] as Buffer).equals(outputs[1] as Buffer))
  throw new Error("the baseline's output differs from this tree's");

const smallBody = Buffer.from(JSON.stringify(customers[1]));
function runSmall(version: MaskerVersion): { us: number; out: Buffer } {
  let out = Buffer.alloc(0);
  const started = process.cpuUsage();
  for (let i = 0; i < SMALL_BODIES; i++) {
    const masker = version.create();
    out = Buffer.concat([masker.push(smallBody), masker.end()]);
  }
  const used = process.cpuUsage(started);
  return { us: (used.user + used.system) / SMALL_BODIES, out };
}
const bestSmall = versions.map(() => Number.POSITIVE_INFINITY);
const smallOutputs: Buffer[] = [];
for (let round = 0; round < RUNS; round++)
  versions.forEach((version, index) => {
    const { us, out } = runSmall(version);
    bestSmall[index] = Math.min(bestSmall[index] as number, us);
    smallOutputs[index] = out;
  });
versions.forEach((version, index) => {
  console.log(
    `${version.name}: ${smallBody.length}-byte bodies, a masker each: best of ${RUNS} ${(bestSmall[index] as number).toFixed(2)} µs CPU per body`,
  );
});
if (smallOutputs.length === 2 && !(smallOutputs[0] as Buffer).equals(smallOutputs[1] as Buffer))
  throw new Error("the baseline's output differs from this tree's (small bodies)");
