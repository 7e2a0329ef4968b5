import http from "node:http";
import type { AddressInfo } from "node:net";

/** Idle upstream sockets kept: more than the benchmark keeps in flight, so none is reopened. */
const MAX_FREE_SOCKETS = 16;

/**
 * The floor the HTTP gateway is measured against: Node's HTTP server and client relaying each call
 * to the upstream over kept-alive sockets and piping the answer back, with nothing else (no token,
 * policy, masking, session or recording). What it costs per call, the gateway cannot cost less.
 */
export async function startNodeHttpRelay(upstream: { host: string; port: number }) {
  const agent = new http.Agent({ keepAlive: true, maxFreeSockets: MAX_FREE_SOCKETS });
  const server = http.createServer((request, response) => {
    const call = http.request(
      {
        host: upstream.host,
        port: upstream.port,
        method: request.method,
        path: request.url,
        headers: request.headers,
        agent,
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    call.on("error", () => response.destroy());
    request.pipe(call);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    stop: async () => {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
