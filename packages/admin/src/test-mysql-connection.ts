import net from "node:net";
import tls from "node:tls";
import type { Db } from "@sluice/db/prisma";
import { UpstreamLogin } from "@sluice/mysql-session/upstream-login";
import { upstreamTlsOptions } from "@sluice/mysql-session/upstream-tls";
import { MAX_JOINED_PAYLOAD_BYTES } from "@sluice/mysql-wire/limits";
import { framePacket, PacketBuffer } from "@sluice/mysql-wire/packet-buffer";

/** A server that accepts TCP but never finishes the login must not hold the console's request. */
export const MYSQL_TEST_TIMEOUT_MS = 10_000;

export type MySqlTestOutcome =
  | { ok: true; serverVersion: string; isTls: boolean }
  | { ok: false; error: string };

/**
 * Logs in to a MySQL/MariaDB upstream exactly as the gateway does (UpstreamLogin: the brokered
 * credentials, then the pinned modes, inside TLS when the connection's mode asks for it), so a
 * passing test means agents will get through.
 */
export async function testMySqlConnection(
  connection: Db.Connection,
  password: string,
): Promise<MySqlTestOutcome> {
  const where = `${connection.host}:${connection.port}`;
  const login = new UpstreamLogin(
    { user: connection.username, password, database: connection.database },
    0,
    connection.tlsMode,
  );
  const buffer = new PacketBuffer(MAX_JOINED_PAYLOAD_BYTES);
  const plain = net.connect({ host: connection.host, port: connection.port });
  let socket: net.Socket | tls.TLSSocket = plain;
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
      const onData = (chunk: Buffer) => {
        try {
          buffer.append(chunk);
          for (let packet = buffer.next(); packet; packet = buffer.next()) {
            const step = login.onPacket(packet);
            if (step.kind === "start-tls") {
              // Anything after the greeting would be read as if it had come over TLS.
              if (buffer.takeRest().length > 0)
                return finish({ ok: false, error: "TLS: the upstream sent data before the TLS handshake" });
              socket.write(framePacket(step.sequenceId, step.payload));
              return startTls();
            }
            if (step.kind === "send") socket.write(framePacket(step.sequenceId, step.payload));
            else if (step.kind === "failed") return finish({ ok: false, error: step.message });
            else if (step.kind === "ready")
              return finish({
                ok: true,
                serverVersion: step.handshake.serverVersion,
                isTls: socket !== plain,
              });
          }
        } catch (error) {
          finish({
            ok: false,
            error: `the upstream at ${where} does not speak the MySQL protocol: ${error instanceof Error ? error.message : String(error)}`,
          });
        }
      };
      const watch = (current: net.Socket | tls.TLSSocket) => {
        current.on("data", onData);
        current.on("error", (error: NodeJS.ErrnoException) =>
          finish({ ok: false, error: `unreachable: ${where}: ${error.code ?? error.message}` }),
        );
        current.on("close", () =>
          finish({ ok: false, error: `the upstream at ${where} closed the connection` }),
        );
      };
      const startTls = () => {
        plain.removeAllListeners("data");
        plain.removeAllListeners("close");
        plain.removeAllListeners("error");
        const secure = tls.connect({ socket: plain, ...upstreamTlsOptions(connection) });
        socket = secure;
        // `on`, not `once`: a socket that failed its handshake may still report a reset afterwards.
        secure.on("error", (error) =>
          finish({ ok: false, error: `TLS: the upstream's TLS handshake failed: ${error.message}` }),
        );
        secure.once("secureConnect", () => {
          watch(secure);
          const step = login.tlsStarted();
          if (step.kind === "send") secure.write(framePacket(step.sequenceId, step.payload));
        });
      };
      watch(plain);
    });
  } finally {
    socket.destroy();
    plain.destroy();
  }
}
