import type { Duplex } from "node:stream";

export type UpstreamHandlers = {
  onData: (chunk: Buffer) => void;
  onError: (error: Error) => void;
  /** The upstream ended or closed ('end' too: a half-open stream may never follow it with 'close'). */
  onGone: () => void;
};

/**
 * Attaches a session's listeners to its upstream socket and returns what removes them all. A
 * pooled upstream outlives the session: nothing of the session may stay on it, a pending 'drain'
 * waiter included (`extra`).
 */
export function attachUpstreamListeners(
  socket: Duplex,
  handlers: UpstreamHandlers,
  extra: { drain: () => void },
): () => void {
  socket.removeAllListeners("error");
  socket.on("data", handlers.onData);
  socket.on("error", handlers.onError);
  socket.on("end", handlers.onGone);
  socket.on("close", handlers.onGone);
  return () => {
    socket.off("data", handlers.onData);
    socket.off("error", handlers.onError);
    socket.off("end", handlers.onGone);
    socket.off("close", handlers.onGone);
    socket.off("drain", extra.drain);
  };
}
