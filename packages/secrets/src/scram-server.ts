import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { ScramError } from "./scram-error";
import { hmac, isValidNonce, parseAttributes, sha256, xor } from "./scram-primitives";
import { parseScramVerifier, SCRAM_ITERATIONS, type ScramVerifier } from "./scram-verifier";

const SERVER_NONCE_BYTES = 18;
/** Keys the fabricated salts of unknown users: stable per process, so retries look the same. */
const MOCK_SALT_KEY = randomBytes(32);

export type ScramServerOptions = {
  /** The stored verifier, or null for an unknown user: the exchange then runs and always fails. */
  verifier: string | null;
  username: string;
};

export type ScramFinalResult = { ok: true; serverFinal: string } | { ok: false };

/**
 * The server side of SCRAM-SHA-256 as a two-step state machine with no I/O. Channel binding is
 * not offered (no SCRAM-SHA-256-PLUS), so gs2 headers `n` and `y` are accepted and `p` refused.
 * @see https://www.rfc-editor.org/rfc/rfc5802#section-5
 */
export function createScramServer(options: ScramServerOptions) {
  const isMock = options.verifier === null;
  const verifier: ScramVerifier = isMock
    ? mockVerifier(options.username)
    : parseScramVerifier(options.verifier as string);
  let state: { gs2Header: string; clientFirstBare: string; serverFirst: string; nonce: string } | null = null;
  let isFinished = false;

  return {
    handleClientFirst(message: Buffer | string): string {
      if (state || isFinished) throw new ScramError("client-first-message received twice");
      const text = message.toString();
      const match = /^([ny]|p=[^,]*),(a=[^,]*)?,(.*)$/.exec(text);
      if (!match) throw new ScramError("malformed client-first-message");
      const [, flag, authzid, clientFirstBare] = match as unknown as [
        string,
        string,
        string | undefined,
        string,
      ];
      if (flag.startsWith("p=")) throw new ScramError("channel binding is not supported");
      if (authzid) throw new ScramError("authorization identities are not supported");
      const attributes = parseAttributes(clientFirstBare);
      const clientNonce = attributes.get("r");
      if (
        !clientFirstBare.startsWith("n=") ||
        !clientNonce ||
        !isValidNonce(clientNonce) ||
        attributes.has("m")
      ) {
        throw new ScramError("malformed client-first-message");
      }
      const nonce = clientNonce + randomBytes(SERVER_NONCE_BYTES).toString("base64");
      const serverFirst = `r=${nonce},s=${verifier.salt.toString("base64")},i=${verifier.iterations}`;
      state = { gs2Header: `${flag},${authzid ?? ""},`, clientFirstBare, serverFirst, nonce };
      return serverFirst;
    },

    handleClientFinal(message: Buffer | string): ScramFinalResult {
      if (!state || isFinished) throw new ScramError("client-final-message out of order");
      isFinished = true;
      const text = message.toString();
      const proofAt = text.lastIndexOf(",p=");
      if (proofAt < 0) throw new ScramError("malformed client-final-message");
      const withoutProof = text.slice(0, proofAt);
      const attributes = parseAttributes(withoutProof);
      if (attributes.get("c") !== Buffer.from(state.gs2Header).toString("base64")) {
        throw new ScramError("channel binding data does not match");
      }
      if (attributes.get("r") !== state.nonce) throw new ScramError("nonce does not match");
      const proof = Buffer.from(text.slice(proofAt + 3), "base64");
      if (proof.length !== 32) throw new ScramError("malformed client proof");
      const authMessage = `${state.clientFirstBare},${state.serverFirst},${withoutProof}`;
      const clientSignature = hmac(verifier.storedKey, authMessage);
      const clientKey = xor(proof, clientSignature);
      const isValid = timingSafeEqual(sha256(clientKey), verifier.storedKey);
      if (!isValid || isMock) return { ok: false };
      return { ok: true, serverFinal: `v=${hmac(verifier.serverKey, authMessage).toString("base64")}` };
    },
  };
}

/** Like PostgreSQL's scram_mock_salt: a salt that looks real and is stable for a given name. */
function mockVerifier(username: string): ScramVerifier {
  const digest = createHmac("sha256", MOCK_SALT_KEY).update(username).digest();
  return {
    iterations: SCRAM_ITERATIONS,
    salt: digest.subarray(0, 16),
    storedKey: randomBytes(32),
    serverKey: randomBytes(32),
  };
}
