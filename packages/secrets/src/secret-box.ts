import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const VERSION = "v1";
const KEY_BYTES = 32;
/** GCM's recommended nonce size; random per box, so a key can seal billions of secrets safely. */
const IV_BYTES = 12;

export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretBoxError";
  }
}

/**
 * Seals a secret with AES-256-GCM: `v1:<iv>:<tag>:<ciphertext>` (base64). The optional AAD binds the
 * box to its owner (e.g. a connection id) so it cannot be moved to another row.
 */
export function encryptSecret(plaintext: string, key: Buffer, aad = ""): string {
  assertKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(aad));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [
    VERSION,
    iv.toString("base64"),
    cipher.getAuthTag().toString("base64"),
    ciphertext.toString("base64"),
  ].join(":");
}

export function decryptSecret(box: string, key: Buffer, aad = ""): string {
  assertKey(key);
  const parts = box.split(":");
  if (parts.length !== 4 || parts[0] !== VERSION)
    throw new SecretBoxError("not a sealed secret (expected v1:iv:tag:ciphertext)");
  const [, iv, tag, ciphertext] = parts.map((part) => Buffer.from(part, "base64")) as [
    Buffer,
    Buffer,
    Buffer,
    Buffer,
  ];
  if (iv.length !== IV_BYTES || tag.length !== 16) throw new SecretBoxError("malformed sealed secret");
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, iv);
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
  } catch {
    throw new SecretBoxError(
      "the sealed secret does not open with this key: wrong key, or the box was altered",
    );
  }
}

/** Accepts 32 bytes as base64 (44 chars) or hex (64 chars). */
export function parseKey(material: string): Buffer {
  const text = material.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, "hex") : Buffer.from(text, "base64");
  if (key.length !== KEY_BYTES || (!/^[0-9a-fA-F]{64}$/.test(text) && key.toString("base64") !== text)) {
    throw new SecretBoxError("the secret key must be 32 bytes, written as base64 or hex");
  }
  return key;
}

export function generateKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

function assertKey(key: Buffer): void {
  if (key.length !== KEY_BYTES) throw new SecretBoxError("the secret key must be 32 bytes");
}
