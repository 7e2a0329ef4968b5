import { randomBytes } from "node:crypto";
import { decodeBase64Strict } from "./base64";
import { SCRAM_DEFAULT_ITERATIONS, SCRAM_KEY_BYTES, SCRAM_SALT_BYTES } from "./limits";
import { ScramError } from "./scram-error";
import { deriveScramKeys } from "./scram-primitives";

/** PostgreSQL stores the iteration count as a C int. */
const MAX_STORED_ITERATIONS = 2 ** 31 - 1;
const VERIFIER_PATTERN = /^SCRAM-SHA-256\$([1-9][0-9]{0,9}):([^$:]+)\$([^$:]+):([^$:]+)$/;

export type ScramVerifier = { iterations: number; salt: Buffer; storedKey: Buffer; serverKey: Buffer };

/**
 * A verifier in PostgreSQL's pg_authid format, the only form in which an agent's secret is stored:
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` (base64). The salt and iteration
 * count are parameters so tests can reproduce a verifier PostgreSQL produced.
 * @see https://www.postgresql.org/docs/current/catalog-pg-authid.html
 */
export function createScramVerifier(
  secret: string,
  salt: Buffer = randomBytes(SCRAM_SALT_BYTES),
  iterations: number = SCRAM_DEFAULT_ITERATIONS,
): string {
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_STORED_ITERATIONS) {
    throw new ScramError(
      "invalid-verifier",
      `iterations must be an integer from 1 to ${MAX_STORED_ITERATIONS}`,
    );
  }
  if (salt.length === 0) throw new ScramError("invalid-verifier", "the salt must not be empty");
  const { storedKey, serverKey } = deriveScramKeys(secret, salt, iterations);
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

/**
 * The salt and iteration count of a stored verifier, so another token of the same user can be
 * verified in the same SCRAM exchange (which announces one salt before the client proves anything).
 */
export function scramSaltOf(verifier: string): { salt: Buffer; iterations: number } {
  const { salt, iterations } = parseScramVerifier(verifier);
  return { salt, iterations };
}

/** Reads a stored verifier; throws ScramError("invalid-verifier") for anything else (md5, plain text). */
export function parseScramVerifier(verifier: string): ScramVerifier {
  const match = VERIFIER_PATTERN.exec(verifier);
  if (!match) throw new ScramError("invalid-verifier", "not a SCRAM-SHA-256 verifier");
  const [, iterationsText, saltText, storedKeyText, serverKeyText] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  const iterations = Number(iterationsText);
  const salt = decodeBase64Strict(saltText);
  const storedKey = decodeBase64Strict(storedKeyText);
  const serverKey = decodeBase64Strict(serverKeyText);
  if (
    iterations > MAX_STORED_ITERATIONS ||
    !salt ||
    salt.length === 0 ||
    storedKey?.length !== SCRAM_KEY_BYTES ||
    serverKey?.length !== SCRAM_KEY_BYTES
  ) {
    throw new ScramError("invalid-verifier", "malformed SCRAM-SHA-256 verifier");
  }
  return { iterations, salt, storedKey, serverKey };
}
