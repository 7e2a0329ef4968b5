import net from "node:net";

/**
 * A TCP relay in front of a real server, to take it away from one client and give it back: `cut`
 * resets every relayed connection and refuses new ones (what a crashed or unreachable server looks
 * like to its clients: the sockets reset, then connection refused), `restore` listens again on the
 * same port. The server itself keeps running, so what the test checks afterwards is real.
 */
export type TcpRelay = {
  port: number;
  /** `url` with its host and port replaced by the relay's. */
  urlThrough: (url: string) => string;
  /** Relayed connections opened so far, for tests that want to see the client reconnect. */
  connectionsOpened: () => number;
  cut: () => Promise<void>;
  restore: () => Promise<void>;
  close: () => Promise<void>;
};

export async function startTcpRelay(target: { host: string; port: number }): Promise<TcpRelay> {
  const sockets = new Set<net.Socket>();
  let opened = 0;
  const server = net.createServer((client) => {
    opened += 1;
    const upstream = net.connect(target);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => {
        sockets.delete(socket);
        // A reset on one side is a reset on the other, as it would be without the relay.
        (socket === client ? upstream : client).resetAndDestroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });
  const port = await listen(0);
  return {
    port,
    urlThrough: (url) => {
      const relayed = new URL(url);
      relayed.hostname = "127.0.0.1";
      relayed.port = String(port);
      return relayed.toString();
    },
    connectionsOpened: () => opened,
    cut: async () => {
      const closed = stopListening();
      for (const socket of sockets) socket.resetAndDestroy();
      await closed;
    },
    restore: async () => {
      await listen(port);
    },
    close: async () => {
      const closed = stopListening();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
