import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { decodeBase64Strict } from "./base64";
import { SECRET_BOX_IV_BYTES, SECRET_BOX_TAG_BYTES, SECRET_KEY_BYTES } from "./limits";
import { SecretBoxError } from "./secret-box-error";

/** The format tag, so a future algorithm or key rotation can tell its boxes apart. */
const BOX_VERSION = "v1";
const CIPHER = "aes-256-gcm";
const HEX_KEY_PATTERN = /^[0-9a-fA-F]{64}$/;

/**
 * Seals a secret with AES-256-GCM as `v1:<iv>:<tag>:<ciphertext>` (base64) under a random IV. The
 * optional AAD binds the box to its owner (e.g. a connection id), so a box copied onto another row
 * does not open there.
 */
export function encryptSecret(plaintext: string, key: Buffer, aad = ""): string {
  assertKey(key);
  const iv = randomBytes(SECRET_BOX_IV_BYTES);
  const cipher = createCipheriv(CIPHER, key, iv, { authTagLength: SECRET_BOX_TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [BOX_VERSION, iv, tag, ciphertext].map((part) => part.toString("base64")).join(":");
}

/** Opens a box from encryptSecret; throws SecretBoxError on a wrong key, wrong AAD or any alteration. */
export function decryptSecret(box: string, key: Buffer, aad = ""): string {
  assertKey(key);
  const parts = box.split(":");
  if (parts.length !== 4 || parts[0] !== BOX_VERSION) {
    throw new SecretBoxError(`not a sealed secret (expected ${BOX_VERSION}:iv:tag:ciphertext)`);
  }
  const [iv, tag, ciphertext] = parts.slice(1).map(decodeBase64Strict);
  if (iv?.length !== SECRET_BOX_IV_BYTES || tag?.length !== SECRET_BOX_TAG_BYTES || !ciphertext) {
    throw new SecretBoxError("malformed sealed secret (bad iv, tag or ciphertext encoding)");
  }
  try {
    const decipher = createDecipheriv(CIPHER, key, iv, { authTagLength: SECRET_BOX_TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
  } catch {
    throw new SecretBoxError(
      "the sealed secret does not open with this key: wrong key, wrong owner, or the box was altered",
    );
  }
}

/**
 * Reads a 32-byte key written as 64 hex digits or as padded base64 (44 characters). Anything else is
 * refused rather than stretched or truncated; the message never echoes the material.
 */
export function parseKey(material: string): Buffer {
  const text = material.trim();
  const key = HEX_KEY_PATTERN.test(text) ? Buffer.from(text, "hex") : decodeBase64Strict(text);
  if (key?.length !== SECRET_KEY_BYTES) {
    throw new SecretBoxError(
      `the secret key must be ${SECRET_KEY_BYTES} bytes written as 64 hex digits or 44 base64 characters (got ${text.length} characters)`,
    );
  }
  return key;
}

export function generateKey(): Buffer {
  return randomBytes(SECRET_KEY_BYTES);
}

function assertKey(key: Buffer): void {
  if (key.length !== SECRET_KEY_BYTES) {
    throw new SecretBoxError(`the secret key must be ${SECRET_KEY_BYTES} bytes, got ${key.length}`);
  }
}
