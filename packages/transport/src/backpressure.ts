import type { Duplex } from "node:stream";

/**
 * Writes `bytes` to `to`; when its buffer is full, `from` (the side producing them) is paused
 * until `to` drains, instead of the gateway's memory growing with what a slow reader leaves.
 */
export function writeWithBackpressure(to: Duplex, bytes: Buffer, from: Duplex | undefined): void {
  if (!to.write(bytes) && from) {
    from.pause();
    to.once("drain", () => from.resume());
  }
}
