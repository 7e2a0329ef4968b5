import type { Duplex } from "node:stream";
import type { FrameBuffer } from "@sluice/wire/frame-buffer";

/** Reads each upstream message; returns the result once the exchange is over, null to read on. */
export type ExchangeHandler<T> = (type: number, body: Buffer, raw: Buffer) => T | null;

/**
 * Sends `request` to an idle upstream the gateway holds itself (a pooled one, between sessions) and
 * feeds every answer to `handle` until it returns a result. Rejects when the handler throws, the
 * upstream goes away, `timeoutMs` passes, or bytes follow the last answer (nobody asked for them).
 * The socket is left paused, with none of these listeners.
 */
export function exchange<T>(
  socket: Duplex,
  frames: FrameBuffer,
  request: Buffer,
  handle: ExchangeHandler<T>,
  timeoutMs: number,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const settle = (outcome: () => void) => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("error", onGone);
      socket.off("end", onGone);
      socket.off("close", onGone);
      socket.pause();
      outcome();
    };
    const onData = (chunk: Buffer) => {
      try {
        frames.push(chunk);
        for (let frame = frames.next(); frame; frame = frames.next()) {
          if (frame.kind !== "tagged") throw new Error("an untagged message from the upstream");
          const result = handle(frame.type, frame.body, frame.raw);
          if (result === null) continue;
          if (frames.buffered() > 0 || frames.next())
            throw new Error("the upstream sent more than was asked");
          settle(() => resolve(result));
          return;
        }
      } catch (error) {
        settle(() => reject(error));
      }
    };
    const onGone = () => settle(() => reject(new Error("the upstream closed")));
    const timer = setTimeout(
      () => settle(() => reject(new Error(`the upstream did not answer within ${timeoutMs} ms`))),
      timeoutMs,
    );
    socket.on("data", onData);
    socket.once("error", onGone);
    socket.once("end", onGone);
    socket.once("close", onGone);
    socket.write(request);
    socket.resume();
  });
}
