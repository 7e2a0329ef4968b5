import { createHash, createHmac, pbkdf2Sync } from "node:crypto";

/** RFC 5802 building blocks over SHA-256 (RFC 7677). */
export function saltedPassword(secret: string, salt: Buffer, iterations: number): Buffer {
  // PostgreSQL applies SASLprep and falls back to the raw bytes when it fails; agent tokens and
  // brokered passwords are used as raw UTF-8, which is what both sides compute for ASCII secrets.
  return pbkdf2Sync(Buffer.from(secret, "utf8"), salt, iterations, 32, "sha256");
}

export function hmac(key: Buffer, text: string): Buffer {
  return createHmac("sha256", key).update(text).digest();
}

export function sha256(data: Buffer): Buffer {
  return createHash("sha256").update(data).digest();
}

export function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] ?? 0) ^ (b[i] ?? 0);
  return out;
}

/** Splits `a=1,b=2` into attributes; values may contain '=' (base64). */
export function parseAttributes(message: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const part of message.split(",")) {
    if (part.length < 2 || part[1] !== "=") continue;
    attributes.set(part[0] as string, part.slice(2));
  }
  return attributes;
}

/** SCRAM nonces are printable ASCII without commas. */
export function isValidNonce(nonce: string): boolean {
  return nonce.length > 0 && /^[\x21-\x2b\x2d-\x7e]+$/.test(nonce);
}
