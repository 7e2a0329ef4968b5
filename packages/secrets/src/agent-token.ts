import { createHash, randomBytes } from "node:crypto";
import { AGENT_TOKEN_BYTES, TOKEN_FINGERPRINT_HEX_CHARS } from "./limits";

/** Marks the string as a Sluice secret, for people and for secret scanners. */
export const AGENT_TOKEN_PREFIX = "sk_";
/** base64url only: the token goes into `postgresql://agent:TOKEN@host/db` without percent-encoding. */
const AGENT_TOKEN_PATTERN = /^sk_[A-Za-z0-9_-]{43}$/;

export function generateAgentToken(): string {
  return `${AGENT_TOKEN_PREFIX}${randomBytes(AGENT_TOKEN_BYTES).toString("base64url")}`;
}

/** A short, non-reversible name for a token, safe to show in the console and logs. */
export function tokenFingerprint(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex").slice(0, TOKEN_FINGERPRINT_HEX_CHARS);
}

/** Whether the text has the shape of a token from generateAgentToken (not whether it is valid). */
export function isAgentTokenShaped(text: string): boolean {
  return AGENT_TOKEN_PATTERN.test(text);
}
