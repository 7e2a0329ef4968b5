import { createClientFrameBuffer } from "@sluice/wire/frame-buffer";
import { WireError } from "@sluice/wire/wire-error";
import { describe, expect, it } from "vitest";

/** What PostgreSQL only logs (COMMERROR) is marked so the gateway, too, closes without a word. */
describe("a startup packet of impossible length", () => {
  it("is a protocol violation the client is not told about, like the server's COMMERROR", () => {
    // Terminate before startup ('X', length 4), an HTTP request, a TLS record, an empty length.
    for (const first of ["5800000004", "47455420", "1603010200", "00000000"]) {
      const frames = createClientFrameBuffer();
      frames.push(Buffer.from(first, "hex"));
      let thrown: unknown = null;
      try {
        frames.next();
      } catch (error) {
        thrown = error;
      }
      expect(thrown, first).toBeInstanceOf(WireError);
      expect(thrown, first).toMatchObject({ code: "08P01", isToldToClient: false });
    }
  });

  it("while a tagged message of bad length is still answered with a FATAL", () => {
    const frames = createClientFrameBuffer();
    // A StartupMessage (protocol 3.0), then a Query whose length is below its own length word.
    frames.push(
      Buffer.concat([
        Buffer.from("0000000800030000", "hex"),
        Buffer.from("Q"),
        Buffer.from("00000002", "hex"),
      ]),
    );
    frames.next();
    expect(() => frames.next()).toThrow(expect.objectContaining({ isToldToClient: true }));
  });
});
