import { createHmac, randomBytes } from "node:crypto";
import { SCRAM_DEFAULT_ITERATIONS, SCRAM_KEY_BYTES, SCRAM_SALT_BYTES } from "./limits";
import type { ScramVerifier } from "./scram-verifier";

/**
 * Keys fabricated salts when the caller passes no key of its own: stable for the life of the process,
 * so a prober who retries an unknown name sees the same salt each time, as for a real agent.
 */
const PROCESS_MOCK_SALT_KEY = randomBytes(32);

/**
 * A verifier for a name that does not exist, like PostgreSQL's scram_mock_salt: the salt is an HMAC
 * of the name, so it looks real and does not change between attempts; the keys are random, and the
 * server refuses the exchange at the end whatever the proof.
 *
 * Without a name the salt is random per exchange, which a prober who retries could notice.
 */
export function mockScramVerifier(username?: string, key: Buffer = PROCESS_MOCK_SALT_KEY): ScramVerifier {
  const salt =
    username === undefined
      ? randomBytes(SCRAM_SALT_BYTES)
      : createHmac("sha256", key).update(username, "utf8").digest().subarray(0, SCRAM_SALT_BYTES);
  return {
    iterations: SCRAM_DEFAULT_ITERATIONS,
    salt,
    storedKey: randomBytes(SCRAM_KEY_BYTES),
    serverKey: randomBytes(SCRAM_KEY_BYTES),
  };
}
