import { decryptSecret, encryptSecret, generateKey, parseKey } from "@sluice/secrets/secret-box";
import { describe, expect, it } from "vitest";
import { SecretBoxError } from "../src/secret-box-error";

const KEY = generateKey();
const DOES_NOT_OPEN = /does not open with this key/;

/** Flips one bit of byte `index` in part `part` (1 = iv, 2 = tag, 3 = ciphertext) of a box. */
function flipByte(box: string, part: number, index: number): string {
  const parts = box.split(":");
  const raw = Buffer.from(parts[part] ?? "", "base64");
  raw[index] = (raw[index] ?? 0) ^ 1;
  parts[part] = raw.toString("base64");
  return parts.join(":");
}

describe("encryptSecret / decryptSecret", () => {
  it.each(["hunter2-brokered", "", "pässwörd 🔑", "x".repeat(10_000)])("round-trips %j", (plaintext) => {
    const box = encryptSecret(plaintext, KEY, "connection:1");
    expect(decryptSecret(box, KEY, "connection:1")).toBe(plaintext);
  });

  it("writes v1:<iv>:<tag>:<ciphertext> with a 12-byte IV and 16-byte tag, never the plaintext", () => {
    const box = encryptSecret("hunter2", KEY);
    const [version, iv, tag, ciphertext] = box.split(":");
    expect(version).toBe("v1");
    expect(Buffer.from(iv ?? "", "base64")).toHaveLength(12);
    expect(Buffer.from(tag ?? "", "base64")).toHaveLength(16);
    expect(Buffer.from(ciphertext ?? "", "base64")).toHaveLength(7);
    expect(box).not.toContain("hunter2");
    expect(box).not.toContain(Buffer.from("hunter2").toString("base64"));
  });

  it("uses a fresh IV each time", () => {
    const boxes = new Set(Array.from({ length: 50 }, () => encryptSecret("same", KEY)));
    expect(boxes.size).toBe(50);
    expect(new Set([...boxes].map((box) => box.split(":")[1])).size).toBe(50);
  });

  it.each([
    ["iv", 1, 12],
    ["tag", 2, 16],
    ["ciphertext", 3, 7],
  ])("detects a flipped bit anywhere in the %s", (_, part, length) => {
    const box = encryptSecret("hunter2", KEY);
    for (let index = 0; index < length; index++) {
      expect(() => decryptSecret(flipByte(box, part, index), KEY)).toThrow(DOES_NOT_OPEN);
    }
  });

  it("detects a truncated or extended ciphertext", () => {
    const [version, iv, tag, ciphertext] = encryptSecret("hunter2", KEY).split(":") as [
      string,
      string,
      string,
      string,
    ];
    const raw = Buffer.from(ciphertext, "base64");
    for (const altered of [raw.subarray(0, 6), Buffer.concat([raw, Buffer.from([0])])]) {
      expect(() => decryptSecret([version, iv, tag, altered.toString("base64")].join(":"), KEY)).toThrow(
        DOES_NOT_OPEN,
      );
    }
  });

  it("refuses the wrong key", () => {
    const box = encryptSecret("hunter2", KEY, "connection:1");
    expect(() => decryptSecret(box, generateKey(), "connection:1")).toThrow(DOES_NOT_OPEN);
  });

  it("refuses the wrong owner (AAD), including a missing one", () => {
    const box = encryptSecret("hunter2", KEY, "connection:1");
    expect(() => decryptSecret(box, KEY, "connection:2")).toThrow(DOES_NOT_OPEN);
    expect(() => decryptSecret(box, KEY)).toThrow(DOES_NOT_OPEN);
    expect(() => decryptSecret(encryptSecret("hunter2", KEY), KEY, "connection:1")).toThrow(DOES_NOT_OPEN);
  });

  const good = encryptSecret("hunter2", KEY).split(":") as [string, string, string, string];
  it.each([
    ["plain text", "hunter2", /not a sealed secret/],
    ["an empty string", "", /not a sealed secret/],
    ["another version", ["v2", good[1], good[2], good[3]].join(":"), /not a sealed secret/],
    ["a missing part", good.slice(0, 3).join(":"), /not a sealed secret/],
    ["an extra part", [...good, "AAAA"].join(":"), /not a sealed secret/],
    ["a short iv", ["v1", "AAAA", good[2], good[3]].join(":"), /malformed/],
    ["a short tag", ["v1", good[1], "AAAA", good[3]].join(":"), /malformed/],
    ["ciphertext that is not base64", ["v1", good[1], good[2], "**"].join(":"), /malformed/],
    ["an iv with stray characters", ["v1", `${good[1]}!`, good[2], good[3]].join(":"), /malformed/],
  ])("refuses %s with a SecretBoxError", (_, box, message) => {
    expect(() => decryptSecret(box, KEY)).toThrow(SecretBoxError);
    expect(() => decryptSecret(box, KEY)).toThrow(message);
  });

  it("refuses keys that are not 32 bytes", () => {
    expect(() => encryptSecret("x", Buffer.alloc(16))).toThrow(/32 bytes, got 16/);
    expect(() => decryptSecret(encryptSecret("x", KEY), Buffer.alloc(31))).toThrow(/32 bytes, got 31/);
  });
});

describe("parseKey / generateKey", () => {
  it("generates distinct 32-byte keys", () => {
    expect(generateKey()).toHaveLength(32);
    expect(generateKey().equals(generateKey())).toBe(false);
  });

  it("reads 32 bytes written as base64 or hex, with surrounding whitespace", () => {
    expect(parseKey(KEY.toString("base64")).equals(KEY)).toBe(true);
    expect(parseKey(KEY.toString("hex")).equals(KEY)).toBe(true);
    expect(parseKey(KEY.toString("hex").toUpperCase()).equals(KEY)).toBe(true);
    expect(parseKey(`  ${KEY.toString("base64")}\n`).equals(KEY)).toBe(true);
  });

  it.each([
    ["too short", "short"],
    ["empty", ""],
    ["16 bytes of base64", Buffer.alloc(16).toString("base64")],
    ["48 bytes of base64", Buffer.alloc(48, 0xff).toString("base64")],
    ["31 bytes of hex", Buffer.alloc(31).toString("hex")],
    ["unpadded base64", KEY.toString("base64").replace(/=+$/, "")],
    ["base64url", Buffer.alloc(32, 0xfb).toString("base64url")],
    ["hex with a stray character", `${KEY.toString("hex").slice(0, 63)}g`],
  ])("refuses a key that is %s, without echoing it", (_, material) => {
    expect(() => parseKey(material)).toThrow(SecretBoxError);
    expect(() => parseKey(material)).toThrow(/32 bytes written as 64 hex digits or 44 base64 characters/);
    if (material.length > 0) {
      try {
        parseKey(material);
      } catch (error) {
        expect((error as Error).message).not.toContain(material);
      }
    }
  });
});
