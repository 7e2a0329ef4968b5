import { createHash, createPrivateKey, randomBytes, sign } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  ed25519PasswordPublicKey,
  ed25519PasswordSignature,
  ed25519SignExpanded,
} from "../src/mysql-ed25519";

/** A 32-byte seed as the PKCS#8 key Node signs with (RFC 8410's fixed prefix). */
const seedKey = (seed: Buffer) =>
  createPrivateKey({
    key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]),
    format: "der",
    type: "pkcs8",
  });

describe("client_ed25519", () => {
  // MariaDB's own known answers (plugin/auth_ed25519/ed25519-t.c): password "foobar", a scramble
  // of 32 'A's.
  it("gives MariaDB's known public key and signature for foobar", () => {
    expect([...ed25519PasswordPublicKey("foobar")]).toEqual([
      170, 253, 166, 27, 161, 214, 10, 236, 183, 217, 41, 91, 231, 24, 85, 225, 49, 210, 181, 236, 13, 207,
      101, 72, 53, 83, 219, 130, 79, 151, 0, 159,
    ]);
    expect([...ed25519PasswordSignature("foobar", Buffer.alloc(32, "A"))]).toEqual([
      232, 61, 201, 63, 67, 63, 51, 53, 86, 73, 238, 35, 170, 117, 146, 214, 26, 17, 35, 9, 8, 132, 245, 141,
      48, 99, 66, 58, 36, 228, 48, 84, 115, 254, 187, 168, 88, 162, 249, 57, 35, 85, 79, 238, 167, 106, 68,
      117, 56, 135, 171, 47, 20, 14, 133, 79, 15, 229, 124, 160, 176, 100, 138, 14,
    ]);
  });

  it("is RFC 8032 Ed25519 once the seed is expanded: the same bytes as Node's signer", () => {
    for (let round = 0; round < 8; round++) {
      const seed = randomBytes(32);
      const message = randomBytes(round * 7);
      const expanded = createHash("sha512").update(seed).digest();
      expect(ed25519SignExpanded(expanded, message)).toEqual(sign(null, message, seedKey(seed)));
    }
  });

  it("a different password or scramble gives a different signature", () => {
    const scramble = Buffer.alloc(32, "A");
    const signature = ed25519PasswordSignature("foobar", scramble);
    expect(ed25519PasswordSignature("foobaz", scramble)).not.toEqual(signature);
    expect(ed25519PasswordSignature("foobar", Buffer.alloc(32, "B"))).not.toEqual(signature);
    expect(signature.length).toBe(64);
  });
});
