import { decryptSecret, encryptSecret, generateKey } from "@sluice/secrets/secret-box";
import { createSecretOpener } from "@sluice/secrets/secret-opener";
import { describe, expect, it } from "vitest";

const DOES_NOT_OPEN = /does not open with this key/;

/** Zeroes the key: from then on only what the opener kept can answer; any decryption fails. */
const wipe = (key: Buffer) => key.fill(0);

describe("createSecretOpener", () => {
  it("opens a box as decryptSecret does, and the same box of the same owner again without decrypting", () => {
    const key = generateKey();
    const box = encryptSecret("brokered 🔑", key, "connection:a");
    const open = createSecretOpener(key);

    expect(open(box, "connection:a")).toBe(decryptSecret(box, key, "connection:a"));
    wipe(key);
    expect(open(box, "connection:a")).toBe("brokered 🔑");
  });

  it("opens an owner's new box (a changed password) at once, and its old one only by decrypting again", () => {
    const key = generateKey();
    const before = encryptSecret("old password", key, "connection:a");
    const after = encryptSecret("new password", key, "connection:a");
    const open = createSecretOpener(key);
    expect(open(before, "connection:a")).toBe("old password");

    expect(open(after, "connection:a")).toBe("new password");
    wipe(key);
    expect(open(after, "connection:a")).toBe("new password");
    expect(() => open(before, "connection:a")).toThrow(DOES_NOT_OPEN);
  });

  it("refuses a kept box copied to another owner, and an altered one, as decryptSecret does", () => {
    const key = generateKey();
    const box = encryptSecret("brokered", key, "connection:a");
    const open = createSecretOpener(key);
    open(box, "connection:a");
    // The same IV and ciphertext under another tag: a forgery the tag check refuses.
    const [version, iv, , ciphertext] = box.split(":");
    const altered = [version, iv, Buffer.alloc(16).toString("base64"), ciphertext].join(":");

    expect(() => open(box, "connection:b")).toThrow(DOES_NOT_OPEN);
    expect(() => open(altered, "connection:a")).toThrow(DOES_NOT_OPEN);
    expect(() => open("v1:not-a-box", "connection:a")).toThrow(/not a sealed secret/);
  });

  it("keeps at most its cap of owners, forgetting the one opened longest ago", () => {
    const key = generateKey();
    const [a, b, c] = ["a", "b", "c"].map((owner) => encryptSecret(`secret ${owner}`, key, owner)) as [
      string,
      string,
      string,
    ];
    const open = createSecretOpener(key, 2);
    open(a, "a");
    open(b, "b");
    open(c, "c");
    wipe(key);

    expect(open(b, "b")).toBe("secret b");
    expect(open(c, "c")).toBe("secret c");
    expect(() => open(a, "a")).toThrow(DOES_NOT_OPEN);
  });
});
