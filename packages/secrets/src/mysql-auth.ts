import { createHash } from "node:crypto";

// An agent's token sent in clear over MySQL is checked by `token-check.ts`, as on every other path.

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
