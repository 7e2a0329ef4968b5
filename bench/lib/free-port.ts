import net from "node:net";

/** A loopback port nothing listens on right now (the OS picks it, so parallel runs do not collide). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** How long a freshly spawned server gets to start listening. */
const LISTEN_TIMEOUT_MS = 10_000;
const LISTEN_POLL_MS = 100;

export async function waitForPort(port: number, what: string): Promise<void> {
  for (let waited = 0; waited < LISTEN_TIMEOUT_MS; waited += LISTEN_POLL_MS) {
    const isOpen = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1", () => {
        socket.destroy();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (isOpen) return;
    await new Promise((resolve) => setTimeout(resolve, LISTEN_POLL_MS));
  }
  throw new Error(`${what} did not listen on 127.0.0.1:${port} within ${LISTEN_TIMEOUT_MS} ms`);
}
