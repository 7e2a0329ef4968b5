import net from "node:net";

/**
 * The floor for any relay written in Node: a TCP proxy that copies bytes both ways and understands
 * nothing (no framing, no authentication of its own, no policy, no recording). What Sluice costs
 * above this row is Sluice; what this row costs above pgbouncer is the runtime.
 */
export async function startNodePipe(upstream: { host: string; port: number }) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const server = net.connect(upstream.port, upstream.host);
    for (const socket of [client, server]) {
      socket.setNoDelay(true);
      sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => {
        sockets.delete(socket);
        client.destroy();
        server.destroy();
      });
    }
    // pipe() gives the same backpressure a relay must have.
    client.pipe(server);
    server.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
