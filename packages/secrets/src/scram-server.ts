import { timingSafeEqual } from "node:crypto";
import { decodeBase64Strict } from "./base64";
import { SCRAM_KEY_BYTES, SCRAM_NONCE_BYTES } from "./limits";
import { pooledRandomBytes } from "./random-pool";
import { decodeScramMessage, expectAttribute, isValidNonce, parseAttributes } from "./scram-attributes";
import { ScramError } from "./scram-error";
import { mockScramVerifier } from "./scram-mock-verifier";
import { hmac, sha256, xor } from "./scram-primitives";
import { parseScramVerifier, type ScramVerifier } from "./scram-verifier";

/** Fewer random bytes than this would make the server's half of the nonce guessable. */
const MIN_NONCE_BYTES = 16;

export type ScramServerOptions = {
  /** The stored verifier, or null for an unknown user: the exchange then runs and always fails. */
  verifier: string | null;
  /**
   * Further verifiers the proof may match (another live token of the same user). SCRAM sends one
   * salt and iteration count before the client proves anything, so only verifiers made with the
   * first one's salt and iterations can match; others are ignored.
   */
  alternates?: readonly string[];
  /** The login name; seeds the fabricated salt of an unknown user so it is stable across attempts. */
  username?: string;
  /** Keys fabricated salts; pass a persistent secret so they also survive restarts. */
  mockSaltKey?: Buffer;
  /** Random bytes in the server's half of the nonce. */
  nonceBytes?: number;
  /** Replaces the random nonce, only so tests can replay RFC 7677's published exchange. */
  generateNonce?: () => string;
};

/** `verifierIndex`: 0 for `verifier`, i + 1 for `alternates[i]`. */
export type ScramFinalResult = { ok: true; serverFinal: string; verifierIndex: number } | { ok: false };

export type ScramServer = {
  /** client-first-message -> server-first-message; throws ScramError. */
  handleClientFirst(message: Buffer | string): string;
  /** client-final-message -> the verdict; throws ScramError when the message itself is malformed. */
  handleClientFinal(message: Buffer | string): ScramFinalResult;
};

type ServerState =
  | { step: "client-first" }
  | { step: "client-final"; gs2Header: string; clientFirstBare: string; serverFirst: string; nonce: string }
  | { step: "done" };

/**
 * The server side of SCRAM-SHA-256, what the gateway runs when an agent logs in: a two-step state
 * machine with no I/O. Any error ends the exchange; there is exactly one attempt per instance.
 *
 * Channel binding: the gateway never offers SCRAM-SHA-256-PLUS, so the gs2 flags `n` (client cannot
 * bind) and `y` (client could, but believes the server cannot, which is true) are accepted and `p=`
 * is refused. If PLUS is ever offered, `y` must be refused instead: it would then mean a downgrade.
 * @see https://www.rfc-editor.org/rfc/rfc5802#section-5
 * @see https://www.postgresql.org/docs/current/sasl-authentication.html
 */
export function createScramServer(options: ScramServerOptions): ScramServer {
  const isMock = options.verifier === null;
  const verifier =
    options.verifier === null
      ? mockScramVerifier(options.username, options.mockSaltKey)
      : parseScramVerifier(options.verifier);
  const candidates = [verifier, ...sameSaltAlternates(verifier, isMock ? [] : (options.alternates ?? []))];
  const nonceBytes = options.nonceBytes ?? SCRAM_NONCE_BYTES;
  if (!Number.isInteger(nonceBytes) || nonceBytes < MIN_NONCE_BYTES) {
    throw new RangeError(`nonceBytes must be an integer of at least ${MIN_NONCE_BYTES}`);
  }
  const generateNonce = options.generateNonce ?? (() => pooledRandomBytes(nonceBytes).toString("base64"));
  let state: ServerState = { step: "client-first" };

  return {
    handleClientFirst(message) {
      if (state.step !== "client-first") {
        throw new ScramError("out-of-order", "client-first-message out of order");
      }
      state = { step: "done" };
      const text = decodeScramMessage(message);
      const { gs2Header, clientFirstBare } = parseGs2Header(text);
      const attributes = parseAttributes(clientFirstBare, "client-first-message");
      if (attributes[0]?.name === "m") {
        throw new ScramError("unsupported", "client requires an unsupported SCRAM extension");
      }
      // The SCRAM username is ignored, as in PostgreSQL: the startup message already named the user.
      expectAttribute(attributes, 0, "n", "client-first-message");
      const clientNonce = expectAttribute(attributes, 1, "r", "client-first-message");
      if (!isValidNonce(clientNonce)) throw new ScramError("malformed", "malformed client nonce");
      const serverNonce = generateNonce();
      if (!isValidNonce(serverNonce)) throw new ScramError("malformed", "malformed server nonce");
      const nonce = clientNonce + serverNonce;
      const serverFirst = `r=${nonce},s=${verifier.salt.toString("base64")},i=${verifier.iterations}`;
      state = { step: "client-final", gs2Header, clientFirstBare, serverFirst, nonce };
      return serverFirst;
    },

    handleClientFinal(message) {
      if (state.step !== "client-final") {
        throw new ScramError("out-of-order", "client-final-message out of order");
      }
      const exchange = state;
      state = { step: "done" };
      const text = decodeScramMessage(message);
      const attributes = parseAttributes(text, "client-final-message");
      const proofIndex = attributes.length - 1;
      const proofText = expectAttribute(attributes, proofIndex, "p", "client-final-message");
      if (proofIndex < 2) throw new ScramError("malformed", "malformed client-final-message");
      const channelBinding = expectAttribute(attributes, 0, "c", "client-final-message");
      const nonce = expectAttribute(attributes, 1, "r", "client-final-message");
      if (channelBinding !== Buffer.from(exchange.gs2Header).toString("base64")) {
        throw new ScramError("channel-binding", "channel binding data does not match the gs2 header");
      }
      if (nonce !== exchange.nonce) throw new ScramError("nonce-mismatch", "nonce does not match");
      const proof = decodeBase64Strict(proofText);
      if (proof?.length !== SCRAM_KEY_BYTES) throw new ScramError("malformed", "malformed client proof");

      const withoutProof = text.slice(0, text.lastIndexOf(",p="));
      const authMessage = `${exchange.clientFirstBare},${exchange.serverFirst},${withoutProof}`;
      // Every candidate is checked, in constant time each, and a fabricated verifier costs the same,
      // so timing tells neither whether the user exists nor which token matched.
      let matched = -1;
      candidates.forEach((candidate, index) => {
        const clientKey = xor(proof, hmac(candidate.storedKey, authMessage));
        if (timingSafeEqual(sha256(clientKey), candidate.storedKey) && matched < 0) matched = index;
      });
      const match = candidates[matched];
      if (!match || isMock) return { ok: false };
      return {
        ok: true,
        serverFinal: `v=${hmac(match.serverKey, authMessage).toString("base64")}`,
        verifierIndex: matched,
      };
    },
  };
}

/** Alternates that can match a proof made with `first`'s salt and iterations, in their given order. */
function sameSaltAlternates(first: ScramVerifier, alternates: readonly string[]): ScramVerifier[] {
  return alternates
    .map((text) => parseScramVerifier(text))
    .filter((other) => other.iterations === first.iterations && other.salt.equals(first.salt));
}

/** `n,,` / `y,,` then the bare message; `p=` (channel binding) and authzids are refused. */
function parseGs2Header(text: string): { gs2Header: string; clientFirstBare: string } {
  const flagEnd = text.indexOf(",");
  const authzidEnd = flagEnd < 0 ? -1 : text.indexOf(",", flagEnd + 1);
  if (authzidEnd < 0) throw new ScramError("malformed", "malformed client-first-message: no gs2 header");
  const flag = text.slice(0, flagEnd);
  const authzid = text.slice(flagEnd + 1, authzidEnd);
  if (flag.startsWith("p=")) {
    throw new ScramError("channel-binding", "channel binding is not offered (no SCRAM-SHA-256-PLUS)");
  }
  if (flag !== "n" && flag !== "y") throw new ScramError("malformed", "malformed gs2 channel binding flag");
  if (authzid.startsWith("a=")) {
    throw new ScramError("unsupported", "authorization identities are not supported");
  }
  if (authzid !== "") throw new ScramError("malformed", "malformed gs2 header");
  return { gs2Header: text.slice(0, authzidEnd + 1), clientFirstBare: text.slice(authzidEnd + 1) };
}
