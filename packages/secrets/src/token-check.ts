import { createHash, createHmac, pbkdf2, timingSafeEqual } from "node:crypto";
import { SCRAM_KEY_BYTES } from "./limits";
import { parseScramVerifier } from "./scram-verifier";

/**
 * Whether a token presented whole (an HTTP bearer token, basic auth) is the one a stored SCRAM
 * verifier was made from: its StoredKey is derived again and compared in constant time. The salted
 * hash runs on the thread pool, so a burst of logins does not stall the event loop.
 * @see https://www.rfc-editor.org/rfc/rfc5802#section-3
 */
export async function isTokenOfVerifier(token: string, verifier: string): Promise<boolean> {
  let parsed: ReturnType<typeof parseScramVerifier>;
  try {
    parsed = parseScramVerifier(verifier);
  } catch {
    return false;
  }
  const salted = await new Promise<Buffer>((resolve, reject) =>
    pbkdf2(token, parsed.salt, parsed.iterations, SCRAM_KEY_BYTES, "sha256", (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  return storedKey.length === parsed.storedKey.length && timingSafeEqual(storedKey, parsed.storedKey);
}
