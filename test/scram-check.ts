import { createHash, createHmac, pbkdf2Sync } from "node:crypto";

/**
 * Independent check that a stored verifier belongs to a token, written from RFC 5802 rather than
 * with the code under test: StoredKey = H(HMAC(SaltedPassword, "Client Key")).
 */
export function verifyScramToken(verifier: string, token: string): boolean {
  const match = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier);
  if (!match) return false;
  const [, iterations, salt, storedKey] = match;
  const salted = pbkdf2Sync(token, Buffer.from(salt ?? "", "base64"), Number(iterations), 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  return createHash("sha256").update(clientKey).digest("base64") === storedKey;
}
