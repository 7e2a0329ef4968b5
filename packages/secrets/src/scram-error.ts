/** A malformed or failed SCRAM exchange; the caller turns it into the protocol's error. */
export class ScramError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScramError";
  }
}
