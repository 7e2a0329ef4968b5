import { createHash, randomBytes } from "node:crypto";

/** 32 random bytes: far beyond guessing, and URL-safe so it sits in a connection string as is. */
const TOKEN_BYTES = 32;
export const AGENT_TOKEN_PREFIX = "sk_";

export function generateAgentToken(): string {
  return `${AGENT_TOKEN_PREFIX}${randomBytes(TOKEN_BYTES).toString("base64url")}`;
}

/** A short, non-reversible name for a token, safe to show in the console and logs. */
export function tokenFingerprint(token: string): string {
  return createHash("sha256").update(token).digest("hex").slice(0, 12);
}
