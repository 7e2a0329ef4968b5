import net from "node:net";
import type { Db } from "@sluice/db/prisma";
import { UpstreamLogin } from "@sluice/mysql-session/upstream-login";
import { MAX_JOINED_PAYLOAD_BYTES } from "@sluice/mysql-wire/limits";
import { framePacket, PacketBuffer } from "@sluice/mysql-wire/packet-buffer";

/** A server that accepts TCP but never finishes the login must not hold the console's request. */
export const MYSQL_TEST_TIMEOUT_MS = 10_000;

export type MySqlTestOutcome = { ok: true; serverVersion: string } | { ok: false; error: string };

/**
 * Logs in to a MySQL/MariaDB upstream exactly as the gateway does (UpstreamLogin: the brokered
 * credentials, then the pinned modes), so a passing test means agents will get through. The
 * gateway speaks no TLS to MySQL upstreams yet: a connection that requires it fails here plainly
 * rather than passing over a plaintext socket.
 */
export async function testMySqlConnection(
  connection: Db.Connection,
  password: string,
): Promise<MySqlTestOutcome> {
  const where = `${connection.host}:${connection.port}`;
  if (connection.tlsMode !== "DISABLE" && connection.tlsMode !== "PREFER")
    return {
      ok: false,
      error: `TLS: this connection requires TLS to the upstream (${connection.tlsMode}), which the gateway does not speak to MySQL yet; set TLS to DISABLE or PREFER`,
    };
  const login = new UpstreamLogin({ user: connection.username, password, database: connection.database }, 0);
  const buffer = new PacketBuffer(MAX_JOINED_PAYLOAD_BYTES);
  const socket = net.connect({ host: connection.host, port: connection.port });
  try {
    return await new Promise<MySqlTestOutcome>((resolve) => {
      const timer = setTimeout(
        () =>
          resolve({
            ok: false,
            error: `unreachable: ${where} did not answer within ${MYSQL_TEST_TIMEOUT_MS / 1000} s`,
          }),
        MYSQL_TEST_TIMEOUT_MS,
      );
      const finish = (outcome: MySqlTestOutcome) => {
        clearTimeout(timer);
        resolve(outcome);
      };
      socket.on("error", (error: NodeJS.ErrnoException) =>
        finish({ ok: false, error: `unreachable: ${where}: ${error.code ?? error.message}` }),
      );
      socket.on("close", () =>
        finish({ ok: false, error: `the upstream at ${where} closed the connection` }),
      );
      socket.on("data", (chunk: Buffer) => {
        try {
          buffer.append(chunk);
          for (let packet = buffer.next(); packet; packet = buffer.next()) {
            const step = login.onPacket(packet);
            if (step.kind === "send") socket.write(framePacket(step.sequenceId, step.payload));
            else if (step.kind === "failed") return finish({ ok: false, error: step.message });
            else if (step.kind === "ready")
              return finish({ ok: true, serverVersion: step.handshake.serverVersion });
          }
        } catch (error) {
          finish({
            ok: false,
            error: `the upstream at ${where} does not speak the MySQL protocol: ${error instanceof Error ? error.message : String(error)}`,
          });
        }
      });
    });
  } finally {
    socket.destroy();
  }
}
