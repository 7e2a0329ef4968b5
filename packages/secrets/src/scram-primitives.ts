import { createHash, createHmac, pbkdf2Sync } from "node:crypto";
import { SCRAM_KEY_BYTES } from "./limits";

/**
 * RFC 5802 building blocks over SHA-256 (RFC 7677).
 * @see https://www.rfc-editor.org/rfc/rfc5802#section-3
 */
export type ScramKeys = { clientKey: Buffer; storedKey: Buffer; serverKey: Buffer };

/**
 * SaltedPassword = PBKDF2-HMAC-SHA-256(secret, salt, iterations) and the keys derived from it.
 *
 * The secret is used as raw UTF-8, without SASLprep. PostgreSQL skips SASLprep for pure ASCII (agent
 * tokens always are) and leaves strings SASLprep does not change (e.g. NFC "café") as they are, so
 * both sides agree there. A brokered password that SASLprep would rewrite (say "ﬁx", NFKC "fix")
 * does not match the verifier PostgreSQL computed, and the upstream refuses the login.
 */
export function deriveScramKeys(secret: string, salt: Buffer, iterations: number): ScramKeys {
  const salted = pbkdf2Sync(Buffer.from(secret, "utf8"), salt, iterations, SCRAM_KEY_BYTES, "sha256");
  const clientKey = hmac(salted, "Client Key");
  return { clientKey, storedKey: sha256(clientKey), serverKey: hmac(salted, "Server Key") };
}

export function hmac(key: Buffer, text: string): Buffer {
  return createHmac("sha256", key).update(text, "utf8").digest();
}

export function sha256(data: Buffer): Buffer {
  return createHash("sha256").update(data).digest();
}

/** Both inputs are SCRAM_KEY_BYTES long wherever this is called. */
export function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] ?? 0) ^ (b[i] ?? 0);
  return out;
}
