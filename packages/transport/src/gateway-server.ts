import net from "node:net";
import { ClientError } from "@sluice/session/client-error";
import { ClientConnection, type ClientConnectionDeps, type LiveSession } from "./client-connection";
import { SHUTDOWN_DRAIN_MS } from "./limits";
import type { UpstreamLogins } from "./upstream-logins";
import { createUpstreamPool, type UpstreamPoolIdleLimits } from "./upstream-pool";

export type GatewayServerOptions = Omit<ClientConnectionDeps, "track" | "upstreams"> & {
  /** Where sessions get their upstream login; default: this process's pool of logins per connection. */
  upstreams?: UpstreamLogins;
  /** The default pool's idle limits (tests shorten them); ignored when `upstreams` is given. */
  upstreamIdle?: UpstreamPoolIdleLimits;
  port: number;
  /** Addresses to listen on; the default serves local agents over IPv4 and IPv6. */
  hosts?: string[];
  /**
   * A cluster worker: the listening socket is shared with the other workers (each accepts on it
   * itself under SCHED_NONE). Otherwise the port is this process's alone.
   */
  isSharedListener?: boolean;
};

export type GatewayServer = {
  port: number;
  /** Where sessions get their upstream logins (the pool, unless the caller passed its own). */
  upstreams: UpstreamLogins;
  /** Live sessions, for revocation and shutdown. */
  sessions: () => LiveSession[];
  /**
   * Stops accepting and ends every connection with an admin-shutdown FATAL, once the answers already
   * in flight have reached their clients (at most SHUTDOWN_DRAIN_MS); resolves when every socket is
   * closed (a client that does not close after its FATAL is cut off after FATAL_FLUSH_MS).
   */
  close: () => Promise<void>;
};

const DEFAULT_HOSTS = ["127.0.0.1", "::1"];

export async function startGatewayServer(options: GatewayServerOptions): Promise<GatewayServer> {
  const live = new Set<LiveSession>();
  const connections = new Set<ClientConnection>();
  const deps: ClientConnectionDeps = {
    ...options,
    upstreams: options.upstreams ?? createUpstreamPool({ log: options.log, ...options.upstreamIdle }),
    track: (session) => {
      live.add(session);
      return () => live.delete(session);
    },
  };
  const servers: net.Server[] = [];
  let port = options.port;
  for (const host of options.hosts ?? DEFAULT_HOSTS) {
    const server = net.createServer((socket) => {
      try {
        const connection = new ClientConnection(socket, deps);
        connections.add(connection);
        socket.once("close", () => connections.delete(connection));
      } catch (error) {
        options.log(`could not set up a client connection: ${String(error)}`);
        socket.destroy();
      }
    });
    server.on("error", (error) => options.log(`gateway listener error: ${error.message}`));
    try {
      port = await listen(server, host, port, options.isSharedListener !== true);
    } catch (error) {
      // ::1 is missing on hosts without IPv6; IPv4 alone still serves local agents.
      if (host === "::1" && (error as NodeJS.ErrnoException).code === "EADDRNOTAVAIL") continue;
      for (const started of servers) started.close();
      throw error;
    }
    servers.push(server);
  }
  return {
    port,
    upstreams: deps.upstreams,
    sessions: () => [...live],
    close: async () => {
      // A listener's close calls back once its last connection has closed, not before.
      const closed = servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
      const shuttingDown = ClientError.fatal("57P01", "the Sluice gateway is shutting down");
      // First, so that the sessions ending now close their logins instead of keeping them.
      deps.upstreams.close?.();
      await Promise.all(
        [...connections].map((connection) => connection.shutDown(shuttingDown, SHUTDOWN_DRAIN_MS)),
      );
      await Promise.all(closed);
    },
  };
}

function listen(server: net.Server, host: string, port: number, exclusive: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port, exclusive }, () => {
      server.off("error", reject);
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}
