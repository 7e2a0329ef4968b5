import { randomBytes } from "node:crypto";
import { ScramError } from "./scram-error";
import { hmac, saltedPassword, sha256 } from "./scram-primitives";

/** PostgreSQL's default `scram_iterations`. */
export const SCRAM_ITERATIONS = 4096;
/** PostgreSQL generates 16-byte salts. */
const SALT_BYTES = 16;

export type ScramVerifier = { iterations: number; salt: Buffer; storedKey: Buffer; serverKey: Buffer };

/**
 * A verifier in PostgreSQL's pg_authid format:
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` (base64). Only this is stored.
 */
export function createScramVerifier(
  secret: string,
  salt: Buffer = randomBytes(SALT_BYTES),
  iterations = SCRAM_ITERATIONS,
): string {
  const salted = saltedPassword(secret, salt, iterations);
  const storedKey = sha256(hmac(salted, "Client Key"));
  const serverKey = hmac(salted, "Server Key");
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

export function parseScramVerifier(verifier: string): ScramVerifier {
  const match = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/.exec(
    verifier,
  );
  if (!match) throw new ScramError("not a SCRAM-SHA-256 verifier");
  const [, iterations, salt, storedKey, serverKey] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  const parsed = {
    iterations: Number(iterations),
    salt: Buffer.from(salt, "base64"),
    storedKey: Buffer.from(storedKey, "base64"),
    serverKey: Buffer.from(serverKey, "base64"),
  };
  if (parsed.iterations < 1 || parsed.storedKey.length !== 32 || parsed.serverKey.length !== 32) {
    throw new ScramError("malformed SCRAM-SHA-256 verifier");
  }
  return parsed;
}
