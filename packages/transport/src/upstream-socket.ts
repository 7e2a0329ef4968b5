import net from "node:net";
import tls from "node:tls";
import { UpstreamLoginFailed } from "@sluice/session/connection-failures";
import type { ConnectionRecord } from "@sluice/session/directory";
import { SSL_REQUEST_BYTES } from "@sluice/session/protocol-bytes";

/** An upstream that accepts TCP but never answers must not hold the agent forever. */
export const UPSTREAM_CONNECT_TIMEOUT_MS = 10_000;

export type UpstreamSocket = { socket: net.Socket | tls.TLSSocket; isTls: boolean };

/**
 * Opens the upstream socket and negotiates TLS the way libpq's sslmode does: DISABLE never asks,
 * PREFER falls back to plaintext when refused, REQUIRE insists without verifying, VERIFY_CA checks
 * the chain, VERIFY_FULL also the host name.
 */
export async function connectUpstream(connection: ConnectionRecord): Promise<UpstreamSocket> {
  const socket = await openTcp(connection);
  if (connection.tlsMode === "DISABLE") return { socket, isTls: false };
  socket.write(SSL_REQUEST_BYTES);
  const answer = await readOneByte(socket, connection);
  if (answer !== "S") {
    if (connection.tlsMode === "PREFER") return { socket, isTls: false };
    socket.destroy();
    throw unreachable(
      connection,
      `the upstream does not offer TLS and the connection requires it (${connection.tlsMode})`,
    );
  }
  const verify = connection.tlsMode === "VERIFY_CA" || connection.tlsMode === "VERIFY_FULL";
  const secure = tls.connect({
    socket,
    servername: connection.tlsServerName ?? (net.isIP(connection.host) ? undefined : connection.host),
    ca: connection.tlsCaPem ?? undefined,
    rejectUnauthorized: verify,
    checkServerIdentity:
      connection.tlsMode === "VERIFY_FULL"
        ? (_host, cert) => tls.checkServerIdentity(connection.tlsServerName ?? connection.host, cert)
        : () => undefined,
  });
  await new Promise<void>((resolve, reject) => {
    secure.once("secureConnect", resolve);
    secure.once("error", (error) =>
      reject(unreachable(connection, `TLS with the upstream failed: ${error.message}`)),
    );
  });
  return { socket: secure, isTls: true };
}

function openTcp(connection: ConnectionRecord): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: connection.host, port: connection.port });
    socket.setNoDelay(true);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(unreachable(connection, `no answer within ${UPSTREAM_CONNECT_TIMEOUT_MS / 1000} s`));
    }, UPSTREAM_CONNECT_TIMEOUT_MS);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      resolve(socket);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(unreachable(connection, error.code ?? error.message));
    });
  });
}

function readOneByte(socket: net.Socket, connection: ConnectionRecord): Promise<string> {
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      socket.off("error", onError);
      // A server that sends more than one byte here is trying to inject plaintext (CVE-2021-23222).
      if (chunk.length !== 1) {
        socket.destroy();
        reject(unreachable(connection, "the upstream sent unexpected data after the TLS request"));
        return;
      }
      resolve(String.fromCharCode(chunk[0] ?? 0));
    };
    const onError = (error: Error) => {
      socket.off("data", onData);
      reject(unreachable(connection, error.message));
    };
    socket.once("data", onData);
    socket.once("error", onError);
  });
}

export function unreachable(connection: ConnectionRecord, why: string): UpstreamLoginFailed {
  return new UpstreamLoginFailed(
    connection.name,
    "08001",
    `connection "${connection.name}": could not reach the upstream at ${connection.host}:${connection.port}: ${why}`,
  );
}
