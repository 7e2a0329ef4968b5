/** Why a SCRAM exchange stopped, so callers can pick the protocol error without parsing messages. */
export type ScramErrorKind =
  | "malformed"
  | "unsupported"
  | "channel-binding"
  | "nonce-mismatch"
  | "out-of-order"
  | "server-error"
  | "server-signature"
  | "invalid-verifier";

/** A malformed or failed SCRAM exchange; the caller turns it into the protocol's error. */
export class ScramError extends Error {
  readonly kind: ScramErrorKind;

  constructor(kind: ScramErrorKind, message: string) {
    super(message);
    this.name = "ScramError";
    this.kind = kind;
  }
}
