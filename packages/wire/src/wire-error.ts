/**
 * The SQLSTATEs the wire layer raises: a protocol violation, an unsupported feature, and a string
 * that cannot be written as a protocol C string because it contains a NUL.
 * @see https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
export type WireErrorCode = "08P01" | "0A000" | "22021";

/** Raised for bytes that are not a valid message, or a message this layer will not handle. */
export class WireError extends Error {
  constructor(
    message: string,
    readonly code: WireErrorCode = "08P01",
    /**
     * False for what PostgreSQL reports as COMMERROR (logged, never sent): it closes the
     * connection without a word, and so does the gateway.
     */
    readonly isToldToClient = true,
  ) {
    super(message);
    this.name = "WireError";
  }
}
