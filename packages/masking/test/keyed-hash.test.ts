import { createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { KeyedHash } from "../src/keyed-hash";
import { maskValue } from "../src/strategies";

describe("keyed hash (HMAC-SHA256 with precomputed pads)", () => {
  it("equals node's HMAC-SHA256 for every length across the block and padding boundaries", () => {
    for (const keyLength of [0, 1, 32, 63, 64, 65, 200]) {
      const key = randomBytes(keyLength);
      const hasher = new KeyedHash(key);
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
    expect(Buffer.from(new KeyedHash(key).digest(data, 2, 18)).equals(expected)).toBe(true);
  });

  it("is the published RFC 4231 test case 2", () => {
    const mac = new KeyedHash(Buffer.from("Jefe")).digest(Buffer.from("what do ya want for nothing?"));
    expect(Buffer.from(mac).toString("hex")).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
  });

  it("gives the masking placeholder h_ and the MAC's first 8 bytes in hex", () => {
    const key = randomBytes(32);
    const value = Buffer.from("123-45-6789");
    const expected = `h_${createHmac("sha256", key).update(value).digest("hex").slice(0, 16)}`;
    expect(maskValue({ name: "h", strategy: "HASH" }, value, 25, key)?.toString()).toBe(expected);
  });
});
