/**
 * The keyed hash's cost per value, three ways: Node's `createHmac` (a new HMAC object per value),
 * the native module (`packages/masking/native`), and the JavaScript SHA-256 with precomputed pads.
 * Prints µs per value for rounds 3 to 5 (the first two warm up); the README's decision record on the
 * keyed hash quotes it.
 *
 *   ./node_modules/.bin/tsx bench/keyed-hash-cost.ts      (BENCH_VALUES, default 200000)
 */
import { createHmac } from "node:crypto";
import { type Hasher, KeyedHash, NativeKeyedHash } from "../packages/masking/src/keyed-hash";
import { nativeKeyedHash } from "../packages/masking/src/native-keyed-hash";

const VALUES = Number(process.env.BENCH_VALUES ?? 200_000);
const ROUNDS = 5;
const WARM_UP_ROUNDS = 2;
const KEY = Buffer.alloc(32, 7);

const values = Array.from({ length: VALUES }, (_, i) => Buffer.from(`user${i}@example.com`));
const hashers: Record<string, Pick<Hasher, "digest">> = {
  createHmac: { digest: (data) => createHmac("sha256", KEY).update(data).digest() },
  javascript: new KeyedHash(KEY),
};
const native = nativeKeyedHash();
if (native) hashers.native = new NativeKeyedHash(KEY, 32, native);
else console.log("native module not built: only createHmac and JavaScript are measured");

for (let round = 1; round <= ROUNDS; round++) {
  for (const [name, hasher] of Object.entries(hashers)) {
    const started = process.hrtime.bigint();
    let sink = 0;
    for (const value of values) sink ^= hasher.digest(value)[0] ?? 0;
    const microseconds = Number(process.hrtime.bigint() - started) / 1000 / VALUES;
    if (round > WARM_UP_ROUNDS)
      console.log(`round ${round}  ${name.padEnd(10)} ${microseconds.toFixed(3)} µs/value  (${sink})`);
  }
}
