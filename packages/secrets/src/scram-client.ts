import { randomBytes, timingSafeEqual } from "node:crypto";
import { ScramError } from "./scram-error";
import { hmac, isValidNonce, parseAttributes, saltedPassword, sha256, xor } from "./scram-primitives";

const CLIENT_NONCE_BYTES = 18;
/** Refuse absurd iteration counts from a hostile upstream instead of burning CPU on them. */
const MAX_ITERATIONS = 1_000_000;

/**
 * The client side of SCRAM-SHA-256, used when the gateway logs in to an upstream with brokered
 * credentials. The server's final signature is checked, so a fake upstream cannot pass for the real one.
 */
export function createScramClient(password: string) {
  const clientNonce = randomBytes(CLIENT_NONCE_BYTES).toString("base64");
  const clientFirstBare = `n=,r=${clientNonce}`;
  let expectedServerSignature: Buffer | null = null;

  return {
    clientFirst(): string {
      return `n,,${clientFirstBare}`;
    },

    handleServerFirst(serverFirst: string): string {
      const attributes = parseAttributes(serverFirst);
      const nonce = attributes.get("r") ?? "";
      const salt = Buffer.from(attributes.get("s") ?? "", "base64");
      const iterations = Number(attributes.get("i"));
      if (!nonce.startsWith(clientNonce) || nonce.length === clientNonce.length || !isValidNonce(nonce)) {
        throw new ScramError("server nonce does not extend the client nonce");
      }
      if (
        salt.length === 0 ||
        !Number.isInteger(iterations) ||
        iterations < 1 ||
        iterations > MAX_ITERATIONS
      ) {
        throw new ScramError("malformed server-first-message");
      }
      const salted = saltedPassword(password, salt, iterations);
      const clientKey = hmac(salted, "Client Key");
      const withoutProof = `c=biws,r=${nonce}`;
      const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
      const proof = xor(clientKey, hmac(sha256(clientKey), authMessage));
      expectedServerSignature = hmac(hmac(salted, "Server Key"), authMessage);
      return `${withoutProof},p=${proof.toString("base64")}`;
    },

    verifyServerFinal(serverFinal: string): void {
      if (!expectedServerSignature) throw new ScramError("server-final-message out of order");
      const attributes = parseAttributes(serverFinal);
      if (attributes.has("e")) throw new ScramError(`server reported: ${attributes.get("e")}`);
      const signature = Buffer.from(attributes.get("v") ?? "", "base64");
      if (
        signature.length !== expectedServerSignature.length ||
        !timingSafeEqual(signature, expectedServerSignature)
      ) {
        throw new ScramError("server signature does not match: the upstream is not who it claims to be");
      }
    },
  };
}
