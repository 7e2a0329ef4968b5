import { createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createKeyedHasher, type Hasher, KeyedHash, NativeKeyedHash } from "../src/keyed-hash";
import { allowNativeKeyedHash, nativeKeyedHash } from "../src/native-keyed-hash";
import { maskValue } from "../src/strategies";

const native = nativeKeyedHash();

/** Both implementations give the same MACs; the native one exists wherever the install built it. */
const IMPLEMENTATIONS: [string, (key: Uint8Array, hexBytes?: number) => Hasher][] = [
  ["JavaScript", (key, hexBytes) => new KeyedHash(key, hexBytes)],
  ["native", (key, hexBytes = 32) => new NativeKeyedHash(key, hexBytes, native ?? missingNative())],
];

function missingNative(): never {
  throw new Error(
    "packages/masking/native/build/keyed_hash.node was not built: run `node packages/masking/native/build.mjs`",
  );
}

describe.each(IMPLEMENTATIONS)("keyed hash, %s (HMAC-SHA256 with precomputed pads)", (_name, create) => {
  it("equals node's HMAC-SHA256 for every length across the block and padding boundaries", () => {
    for (const keyLength of [0, 1, 32, 63, 64, 65, 200]) {
      const key = randomBytes(keyLength);
      const hasher = create(key);
      for (let length = 0; length <= 300; length++) {
        const data = randomBytes(length);
        const expected = createHmac("sha256", key).update(data).digest();
        expect(Buffer.from(hasher.digest(data)).equals(expected), `key ${keyLength}, data ${length}`).toBe(
          true,
        );
      }
    }
  });

  it("hashes a slice of a larger buffer as that slice alone", () => {
    const key = randomBytes(32);
    const data = Buffer.from("xxuser@example.comyy");
    const expected = createHmac("sha256", key).update("user@example.com").digest();
    expect(Buffer.from(create(key).digest(data, 2, 18)).equals(expected)).toBe(true);
  });

  it("is the published RFC 4231 test case 2", () => {
    const mac = create(Buffer.from("Jefe")).digest(Buffer.from("what do ya want for nothing?"));
    expect(Buffer.from(mac).toString("hex")).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
  });

  it("refuses a range outside the array or offsets that are not whole numbers", () => {
    const hasher = create(randomBytes(32));
    const data = Buffer.from("short");
    for (const [start, end] of [
      [0, 6],
      [4, 2],
      [-1, 2],
      [0.5, 2],
      [Number.NaN, 2],
      [2 ** 32, 3],
      [0, Number.POSITIVE_INFINITY],
    ] as const) {
      expect(() => hasher.digest(data, start, end), `${start}..${end}`).toThrow(/range outside/);
    }
  });

  it("writes the MAC's first bytes in hex where it is told, and nothing around them", () => {
    const key = randomBytes(32);
    for (const hexBytes of [0, 1, 8, 32]) {
      const hasher = create(key, hexBytes);
      for (let length = 0; length <= 130; length += 13) {
        const data = randomBytes(length + 4);
        const out = Buffer.alloc(2 * hexBytes + 10, 0x2e);
        hasher.writeHex(data, 2, 2 + length, out, 5);
        const mac = createHmac("sha256", key)
          .update(data.subarray(2, 2 + length))
          .digest();
        const expected = `.....${mac.subarray(0, hexBytes).toString("hex")}.....`;
        expect(out.toString("latin1"), `${hexBytes} bytes of ${length}`).toBe(expected);
      }
    }
  });

  it("refuses to write hex past its output or from a range outside the data", () => {
    const hasher = create(randomBytes(32), 8);
    const data = Buffer.from("short");
    const out = Buffer.alloc(20);
    for (const at of [5, -1, 0.5, Number.NaN, 21]) {
      expect(() => hasher.writeHex(data, 0, 5, out, at), `at ${at}`).toThrow(/no room/);
    }
    expect(() => hasher.writeHex(data, 0, 6, out, 0)).toThrow(/range outside/);
    expect(() => hasher.writeHex(data, 3, 2, out, 0)).toThrow(/range outside/);
    hasher.writeHex(data, 0, 5, out, 4);
  });

  it("writes many values' hex in one call as one call each would, and refuses a bad job before writing", () => {
    const key = randomBytes(32);
    const hasher = create(key, 8);
    const data = randomBytes(200);
    const jobs = Int32Array.from([0, 20, 0, 20, 20, 16, 50, 199, 32, 7, 7, 48]);
    const many = Buffer.alloc(64, 0x2e);
    hasher.writeHexMany(data, jobs, 4, many);
    const one = Buffer.alloc(64, 0x2e);
    for (let i = 0; i < 4; i++)
      hasher.writeHex(data, jobs[3 * i] ?? 0, jobs[3 * i + 1] ?? 0, one, jobs[3 * i + 2] ?? 0);
    expect(many.toString("latin1")).toBe(one.toString("latin1"));
    for (const [bad, why] of [
      [[0, 201, 0], /range outside/],
      [[5, 4, 0], /range outside/],
      [[-1, 4, 0], /range outside/],
      [[0, 4, 49], /no room/],
      [[0, 4, -1], /no room/],
    ] as const) {
      const out = Buffer.alloc(64, 0x2e);
      // A good job first: nothing at all is written when a later one is bad.
      expect(() => hasher.writeHexMany(data, Int32Array.from([0, 20, 0, ...bad]), 2, out)).toThrow(why);
      expect(out.equals(Buffer.alloc(64, 0x2e))).toBe(true);
    }
    expect(() => hasher.writeHexMany(data, jobs, 5, many)).toThrow(/more jobs/);
  });

  it("keeps each key's pads apart when hashers for different keys are interleaved", () => {
    const keys = [randomBytes(32), randomBytes(32), randomBytes(7)];
    const hashers = keys.map((key) => create(key));
    for (let round = 0; round < 3; round++) {
      keys.forEach((key, i) => {
        const value = Buffer.from(`value ${round} ${i}`);
        const expected = createHmac("sha256", key).update(value).digest();
        expect(Buffer.from(hashers[i]?.digest(value) ?? []).equals(expected)).toBe(true);
      });
    }
  });
});

describe("native keyed hash", () => {
  it("is built by the install (the masking benchmark depends on it)", () => {
    expect(native, "native keyed hash module").not.toBeNull();
  });

  it("is the one masking uses", () => {
    expect(createKeyedHasher(randomBytes(32))).toBeInstanceOf(NativeKeyedHash);
  });

  it("gives way to the JavaScript hash, with the same output, when the process disallows it", () => {
    const key = randomBytes(32);
    const value = Buffer.from("alice@example.com");
    const viaNative = hashHex(createKeyedHasher(key), value);
    allowNativeKeyedHash(false);
    try {
      const hasher = createKeyedHasher(key);
      expect(hasher).toBeInstanceOf(KeyedHash);
      expect(hashHex(hasher, value)).toBe(viaNative);
    } finally {
      allowNativeKeyedHash(true);
    }
    expect(createKeyedHasher(key)).toBeInstanceOf(NativeKeyedHash);
  });

  it("writes nothing once its output array was detached (transferred), and says so", () => {
    const out = new Uint8Array(32);
    const digest = (native ?? missingNative()).createDigest(randomBytes(32), out);
    digest(Buffer.from("abc"), 0, 3);
    structuredClone(out.buffer, { transfer: [out.buffer] });
    expect(() => digest(Buffer.from("abc"), 0, 3)).toThrow(/detached/);
  });

  it("refuses arguments that are not bytes", () => {
    const createDigest = (native ?? missingNative()).createDigest as unknown as (
      ...args: unknown[]
    ) => unknown;
    expect(() => createDigest("key", new Uint8Array(32))).toThrow(TypeError);
    expect(() => createDigest(new Uint8Array(4), new Uint8Array(31))).toThrow(TypeError);
    const digest = createDigest(new Uint8Array(4), new Uint8Array(32)) as (...args: unknown[]) => unknown;
    expect(() => digest("text", 0, 1)).toThrow(TypeError);
    expect(() => digest(new Uint16Array(4), 0, 1)).toThrow(TypeError);
  });
});

describe("keyed-hash masking", () => {
  it("gives the masking placeholder h_ and the MAC's first 8 bytes in hex", () => {
    const key = randomBytes(32);
    const value = Buffer.from("123-45-6789");
    const expected = `h_${createHmac("sha256", key).update(value).digest("hex").slice(0, 16)}`;
    expect(maskValue({ name: "h", strategy: "HASH" }, value, 25, key)?.toString()).toBe(expected);
  });
});

function hashHex(hasher: Hasher, value: Buffer): string {
  return Buffer.from(hasher.digest(value)).toString("hex");
}
