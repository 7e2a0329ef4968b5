import { randomBytes, timingSafeEqual } from "node:crypto";
import { decodeBase64Strict } from "./base64";
import { SCRAM_KEY_BYTES, SCRAM_MAX_ITERATIONS, SCRAM_NONCE_BYTES } from "./limits";
import { decodeScramMessage, expectAttribute, isValidNonce, parseAttributes } from "./scram-attributes";
import { ScramError } from "./scram-error";
import { deriveScramKeys, hmac, xor } from "./scram-primitives";

/** The gateway does not bind to the upstream's TLS channel (no SCRAM-SHA-256-PLUS), as libpq without it. */
const GS2_HEADER = "n,,";
const ITERATIONS_PATTERN = /^[1-9][0-9]*$/;

export type ScramClientOptions = {
  /** PostgreSQL ignores the SCRAM username (the startup message names the user); libpq sends "". */
  username?: string;
  /** Replaces the random nonce, only so tests can replay RFC 7677's published exchange. */
  generateNonce?: () => string;
};

export type ScramClient = {
  /** The client-first-message (gs2 header included). */
  clientFirst(): string;
  /** server-first-message -> client-final-message; throws ScramError. */
  handleServerFirst(serverFirst: Buffer | string): string;
  /** Checks the server's signature; throws ScramError unless the server proved it knows the verifier. */
  verifyServerFinal(serverFinal: Buffer | string): void;
  /**
   * True once the server's signature checked out. A server that answers AuthenticationOk before
   * this never proved itself, and the login must be refused.
   */
  isServerVerified(): boolean;
};

type ClientState =
  | { step: "server-first" }
  | { step: "server-final"; expectedServerSignature: Buffer }
  | { step: "done"; isVerified: boolean };

/**
 * The client side of SCRAM-SHA-256, what the gateway runs when it logs in to an upstream with
 * brokered credentials. The server's final signature is checked, so an impostor upstream that does
 * not hold the verifier cannot pass for the real one. Any error ends the exchange.
 * @see https://www.rfc-editor.org/rfc/rfc5802#section-3
 */
export function createScramClient(password: string, options: ScramClientOptions = {}): ScramClient {
  const clientNonce = options.generateNonce?.() ?? randomBytes(SCRAM_NONCE_BYTES).toString("base64");
  if (!isValidNonce(clientNonce)) throw new ScramError("malformed", "malformed client nonce");
  const clientFirstBare = `n=${encodeSaslName(options.username ?? "")},r=${clientNonce}`;
  let state: ClientState = { step: "server-first" };

  return {
    clientFirst() {
      return `${GS2_HEADER}${clientFirstBare}`;
    },

    handleServerFirst(message) {
      if (state.step !== "server-first") {
        throw new ScramError("out-of-order", "server-first-message out of order");
      }
      state = { step: "done", isVerified: false };
      const serverFirst = decodeScramMessage(message);
      const attributes = parseAttributes(serverFirst, "server-first-message");
      if (attributes[0]?.name === "m") {
        throw new ScramError("unsupported", "server requires an unsupported SCRAM extension");
      }
      const nonce = expectAttribute(attributes, 0, "r", "server-first-message");
      const salt = decodeBase64Strict(expectAttribute(attributes, 1, "s", "server-first-message"));
      const iterationsText = expectAttribute(attributes, 2, "i", "server-first-message");
      if (!nonce.startsWith(clientNonce) || nonce.length === clientNonce.length || !isValidNonce(nonce)) {
        throw new ScramError("nonce-mismatch", "server nonce does not extend the client nonce");
      }
      if (!salt || salt.length === 0) throw new ScramError("malformed", "malformed salt from the server");
      const iterations = ITERATIONS_PATTERN.test(iterationsText) ? Number(iterationsText) : 0;
      if (iterations < 1 || iterations > SCRAM_MAX_ITERATIONS) {
        throw new ScramError(
          "malformed",
          `the server asks for ${iterationsText} iterations; Sluice accepts 1 to ${SCRAM_MAX_ITERATIONS}`,
        );
      }

      const { clientKey, storedKey, serverKey } = deriveScramKeys(password, salt, iterations);
      const withoutProof = `c=${Buffer.from(GS2_HEADER).toString("base64")},r=${nonce}`;
      const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
      const proof = xor(clientKey, hmac(storedKey, authMessage));
      state = { step: "server-final", expectedServerSignature: hmac(serverKey, authMessage) };
      return `${withoutProof},p=${proof.toString("base64")}`;
    },

    verifyServerFinal(message) {
      if (state.step !== "server-final") {
        throw new ScramError("out-of-order", "server-final-message out of order");
      }
      const { expectedServerSignature } = state;
      state = { step: "done", isVerified: false };
      const attributes = parseAttributes(decodeScramMessage(message), "server-final-message");
      if (attributes[0]?.name === "e") {
        throw new ScramError("server-error", `the server refused: ${attributes[0].value}`);
      }
      const signature = decodeBase64Strict(expectAttribute(attributes, 0, "v", "server-final-message"));
      if (!signature) throw new ScramError("malformed", "malformed server signature");
      if (signature.length !== SCRAM_KEY_BYTES || !timingSafeEqual(signature, expectedServerSignature)) {
        throw new ScramError(
          "server-signature",
          "server signature does not match: the upstream is not who it claims to be",
        );
      }
      state = { step: "done", isVerified: true };
    },

    isServerVerified() {
      return state.step === "done" && state.isVerified;
    },
  };
}

/** RFC 5802 saslname: ',' and '=' are escaped as =2C and =3D. */
function encodeSaslName(name: string): string {
  return name.replace(/=/g, "=3D").replace(/,/g, "=2C");
}
