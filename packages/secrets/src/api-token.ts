import { createHash, randomBytes } from "node:crypto";

/** Recognisable in logs and secret scanners; 32 random bytes after it. */
export const API_TOKEN_PREFIX = "slt_";

/** The non-secret start of a token the console shows, so people can tell tokens apart. */
const SHOWN_PREFIX_LENGTH = API_TOKEN_PREFIX.length + 6;

export const API_TOKEN_HASH_PATTERN = /^[0-9a-f]{64}$/;
export const API_TOKEN_SHOWN_PREFIX_PATTERN = /^slt_[A-Za-z0-9_-]{6}$/;

export function generateApiToken(): string {
  return `${API_TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
}

/** SHA-256, hex: tokens are random, so a slow hash adds nothing. */
export function hashApiToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function shownPrefix(token: string): string {
  return token.slice(0, SHOWN_PREFIX_LENGTH);
}

/**
 * The code `sluice login` prints and the console's approval page shows, both derived from the
 * token's hash: matching codes tell the person the page approves the token their terminal holds.
 * 40 bits: enough to notice a different request, not meant as a secret.
 */
export function loginCode(tokenHash: string): string {
  const digits = tokenHash.slice(0, 10).toUpperCase();
  return `${digits.slice(0, 5)}-${digits.slice(5)}`;
}
