/** A protocol violation (08P01) or unsupported feature (0A000) found while decoding bytes. */
export class WireError extends Error {
  constructor(
    message: string,
    readonly code: "08P01" | "0A000" = "08P01",
  ) {
    super(message);
    this.name = "WireError";
  }
}
