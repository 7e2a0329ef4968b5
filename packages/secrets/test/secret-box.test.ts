import { decryptSecret, encryptSecret, generateKey, parseKey } from "@sluice/secrets/secret-box";
import { describe, expect, it } from "vitest";

describe("secret boxes (AES-256-GCM)", () => {
  const key = generateKey();

  it("round-trip and never contain the plaintext", () => {
    const box = encryptSecret("hunter2-brokered", key, "connection:1");
    expect(box).toMatch(/^v1:/);
    expect(box).not.toContain("hunter2");
    expect(decryptSecret(box, key, "connection:1")).toBe("hunter2-brokered");
    expect(encryptSecret("same", key)).not.toBe(encryptSecret("same", key));
  });

  it("detect a flipped byte in the iv, tag or ciphertext", () => {
    const box = encryptSecret("hunter2", key);
    for (const part of [1, 2, 3]) {
      const parts = box.split(":");
      const raw = Buffer.from(parts[part] ?? "", "base64");
      raw[0] = (raw[0] ?? 0) ^ 1;
      parts[part] = raw.toString("base64");
      expect(() => decryptSecret(parts.join(":"), key)).toThrow(
        /wrong key, or the box was altered|malformed/,
      );
    }
  });

  it("refuse the wrong key, the wrong owner and malformed boxes", () => {
    const box = encryptSecret("hunter2", key, "connection:1");
    expect(() => decryptSecret(box, generateKey(), "connection:1")).toThrow(/does not open/);
    expect(() => decryptSecret(box, key, "connection:2")).toThrow(/does not open/);
    expect(() => decryptSecret("hunter2", key)).toThrow(/not a sealed secret/);
  });

  it("parse keys as base64 or hex and refuse anything else", () => {
    expect(parseKey(key.toString("base64")).equals(key)).toBe(true);
    expect(parseKey(key.toString("hex")).equals(key)).toBe(true);
    expect(() => parseKey("short")).toThrow(/32 bytes/);
    expect(() => parseKey(Buffer.alloc(16).toString("base64"))).toThrow(/32 bytes/);
  });
});
