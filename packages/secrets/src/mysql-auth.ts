import { createHash, pbkdf2, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import { SCRAM_KEY_BYTES } from "./limits";
import { hmac, sha256 } from "./scram-primitives";
import { parseScramVerifier } from "./scram-verifier";

const pbkdf2Async = promisify(pbkdf2);

/**
 * Whether a token an agent sent in clear (MySQL's caching_sha2_password full authentication or
 * mysql_clear_password, both only over TLS) is the one the stored SCRAM verifier was made from:
 * the same StoredKey PostgreSQL's SCRAM derives, so one verifier serves both data paths and the
 * token itself is never stored. PBKDF2 runs on the thread pool, not the event loop.
 */
export async function verifyClearToken(token: string, verifier: string): Promise<boolean> {
  const { salt, iterations, storedKey } = parseScramVerifier(verifier);
  const salted = await pbkdf2Async(Buffer.from(token, "utf8"), salt, iterations, SCRAM_KEY_BYTES, "sha256");
  return timingSafeEqual(sha256(hmac(salted, "Client Key")), storedKey);
}

function sha1(...parts: Buffer[]): Buffer {
  const hash = createHash("sha1");
  for (const part of parts) hash.update(part);
  return hash.digest();
}

function xorBytes(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] as number) ^ (b[i % b.length] as number);
  return out;
}

/**
 * mysql_native_password's answer to a 20-byte scramble:
 * SHA1(password) XOR SHA1(scramble + SHA1(SHA1(password))). Empty for an empty password.
 * @see https://mariadb.com/kb/en/connection/#mysql_native_password-plugin
 */
export function nativePasswordResponse(password: string, scramble: Buffer): Buffer {
  if (password === "") return Buffer.alloc(0);
  const stage1 = sha1(Buffer.from(password, "utf8"));
  return xorBytes(stage1, sha1(scramble, sha1(stage1)));
}

/**
 * caching_sha2_password's fast-auth answer: SHA256(password) XOR SHA256(SHA256(SHA256(password)) + scramble).
 * @see https://dev.mysql.com/doc/dev/mysql-server/latest/page_caching_sha2_authentication_exchanges.html
 */
export function cachingSha2Response(password: string, scramble: Buffer): Buffer {
  if (password === "") return Buffer.alloc(0);
  const stage1 = createHash("sha256").update(password, "utf8").digest();
  const stage2 = createHash("sha256").update(stage1).digest();
  return xorBytes(stage1, createHash("sha256").update(stage2).update(scramble).digest());
}
