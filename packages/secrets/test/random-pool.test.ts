import { pooledRandomBytes } from "@sluice/secrets/random-pool";
import { describe, expect, it } from "vitest";
import { RANDOM_POOL_BYTES } from "../src/limits";

describe("pooledRandomBytes", () => {
  it("never hands out the same bytes twice, across the pool's refills", () => {
    // Several pools' worth of 8-byte draws: a repeat among 64-bit values would be a reused slice.
    const draws = Array.from({ length: (3 * RANDOM_POOL_BYTES) / 8 + 7 }, () => pooledRandomBytes(8));
    expect(draws.every((bytes) => bytes.length === 8)).toBe(true);
    expect(new Set(draws.map((bytes) => bytes.toString("hex"))).size).toBe(draws.length);
  });

  it("gives each caller a copy of its own: changing it changes no other draw", () => {
    const first = pooledRandomBytes(16);
    const kept = Buffer.from(first);
    const second = pooledRandomBytes(16);
    first.fill(0);
    expect(second.equals(first)).toBe(false);
    expect(first.buffer === second.buffer && first.byteOffset === second.byteOffset).toBe(false);
    expect(kept.equals(Buffer.alloc(16))).toBe(false);
  });

  it("draws a large request straight from the CSPRNG, of the size asked for", () => {
    const large = pooledRandomBytes(RANDOM_POOL_BYTES);
    expect(large).toHaveLength(RANDOM_POOL_BYTES);
    // 4 KiB of zeros from a CSPRNG is impossible in practice; a zeroed pool slice is not.
    expect(large.equals(Buffer.alloc(RANDOM_POOL_BYTES))).toBe(false);
  });
});
