import { randomBytes, randomFillSync } from "node:crypto";
import { RANDOM_POOL_BYTES } from "./limits";

let pool = Buffer.alloc(0);
let offset = 0;

/**
 * Bytes from the operating system's CSPRNG, as `crypto.randomBytes` gives them, drawn a few KiB at
 * a time. Each randomBytes call is a job through Node's C++ layer: a connect made four of them
 * (the SCRAM nonce, the cancel key and its process id, the session id), about 35 µs of the
 * gateway's CPU per connect in a profile (bench/gateway-cpu.ts), against under 1 µs each from
 * here. Node's randomUUID buffers its bytes the same way.
 *
 * Every byte is handed out once, as a copy, and zeroed in the pool as it goes, so a later look at
 * the pool shows nothing already handed out. The pool is this process's own: each gateway worker
 * is a process started afresh, never a fork of another with a copy of its pool. Large requests
 * (keys, tokens) go to randomBytes directly.
 */
export function pooledRandomBytes(size: number): Buffer {
  if (size > RANDOM_POOL_BYTES / 8) return randomBytes(size);
  if (offset + size > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafeSlow(RANDOM_POOL_BYTES));
    offset = 0;
  }
  const bytes = Buffer.from(pool.subarray(offset, offset + size));
  pool.fill(0, offset, offset + size);
  offset += size;
  return bytes;
}
