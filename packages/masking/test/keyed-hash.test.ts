import { createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createKeyedHasher, type Hasher, KeyedHash, NativeKeyedHash } from "../src/keyed-hash";
import { allowNativeKeyedHash, nativeKeyedHash } from "../src/native-keyed-hash";
import { maskValue } from "../src/strategies";

const native = nativeKeyedHash();

/** Both implementations give the same MACs; the native one exists wherever the install built it. */
const IMPLEMENTATIONS: [string, (key: Uint8Array) => Hasher][] = [
  ["JavaScript", (key) => new KeyedHash(key)],
  ["native", (key) => new NativeKeyedHash(key, (native ?? missingNative()).createDigest)],
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
