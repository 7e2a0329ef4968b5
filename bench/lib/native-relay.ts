import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";

const HERE = path.resolve(import.meta.dirname, "native-relay");
const MODULE = path.join(HERE, "build", "relay.node");

type RelayModule = { hand(clientFd: number, upstreamFd: number): void };
/** libuv's TCP handle, whose descriptor Node does not expose in its types. */
type HandleWithFd = { _handle?: { fd?: number } };

function loadRelay(): RelayModule {
  if (!existsSync(MODULE))
    execFileSync(process.execPath, [path.join(HERE, "build.mjs")], { stdio: "inherit" });
  return createRequire(import.meta.url)(MODULE) as RelayModule;
}

function descriptorOf(socket: net.Socket): number {
  const fd = (socket as unknown as HandleWithFd)._handle?.fd;
  if (typeof fd !== "number" || fd < 0) throw new Error("the socket has no file descriptor to hand over");
  return fd;
}

/**
 * The floor of the native data plane docs/data-path-proposal.md proposes: Node accepts the client
 * and connects the upstream, as the gateway does before a login, then hands both descriptors to
 * `relay.c`, whose own epoll thread copies bytes between them; JavaScript never sees a message.
 * The client is accepted paused, so no byte is read by Node before the handover; Node's sockets are
 * then destroyed (closing only Node's descriptors: the relay holds duplicates of its own).
 */
export async function startNativeRelay(upstream: { host: string; port: number }) {
  const relay = loadRelay();
  const server = net.createServer({ pauseOnConnect: true }, (client) => {
    client.on("error", () => client.destroy());
    const toUpstream = net.connect(upstream.port, upstream.host, () => {
      toUpstream.pause();
      try {
        client.setNoDelay(true);
        toUpstream.setNoDelay(true);
        relay.hand(descriptorOf(client), descriptorOf(toUpstream));
      } finally {
        client.destroy();
        toUpstream.destroy();
      }
    });
    toUpstream.on("error", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
