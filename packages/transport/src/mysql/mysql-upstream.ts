import net from "node:net";
import tls from "node:tls";
import { UpstreamLogin } from "@sluice/mysql-session/upstream-login";
import { upstreamTlsOptions } from "@sluice/mysql-session/upstream-tls";
import type { HandshakeV10 } from "@sluice/mysql-wire/handshake";
import { MAX_JOINED_PAYLOAD_BYTES } from "@sluice/mysql-wire/limits";
import { framePacket, type Packet } from "@sluice/mysql-wire/packet-buffer";
import type { ConnectionRecord } from "@sluice/session/directory";
import { PacketPump } from "./packet-pump";

/** A logged-in upstream: the socket to write to (TLS when negotiated) and the pump reading it. */
export type MySqlUpstream = {
  socket: net.Socket | tls.TLSSocket;
  pump: PacketPump;
  handshake: HandshakeV10;
  capabilities: number;
  isTls: boolean;
};

export type OpenMySqlUpstreamOptions = {
  /** What the agent and gateway agreed (UpstreamLogin asks the upstream for the same). */
  agentCapabilities: number;
  /** Reads the upstream's packets once the login is done (set before any further packet is read). */
  onPacket: (packet: Packet) => Promise<void>;
  /** Called once the upstream socket closes after the login succeeded. */
  onClose: () => void;
  /** Called when the socket is open, so the caller can destroy it when the agent goes first. */
  onSocket: (socket: net.Socket | tls.TLSSocket) => void;
};

/**
 * Opens the upstream and drives UpstreamLogin over it: the greeting, TLS when the connection's mode
 * asks for it (the socket is handed to the TLS layer between the SSLRequest and the login), the
 * brokered credentials and the pinned modes. Rejects with the reason on any failure.
 */
export function openMySqlUpstream(
  connection: ConnectionRecord,
  options: OpenMySqlUpstreamOptions,
): Promise<MySqlUpstream> {
  const login = new UpstreamLogin(
    { user: connection.user, password: connection.password ?? "", database: connection.database },
    options.agentCapabilities,
    connection.tlsMode,
  );
  const plain = net.connect({ host: connection.host, port: connection.port });
  let socket: net.Socket | tls.TLSSocket = plain;
  options.onSocket(plain);
  return new Promise<MySqlUpstream>((resolve, reject) => {
    let isReady = false;
    const watch = (current: net.Socket | tls.TLSSocket) => {
      current.on("data", (chunk: Buffer) => pump.push(chunk));
      current.on("error", (error) => reject(error));
      current.on("close", () => {
        reject(new Error("the upstream closed the connection"));
        if (isReady) options.onClose();
      });
    };
    const pump = new PacketPump(
      MAX_JOINED_PAYLOAD_BYTES,
      async (packet) => {
        let step = login.onPacket(packet);
        if (step.kind === "start-tls") {
          socket.write(framePacket(step.sequenceId, step.payload));
          socket = await startTls(plain, connection, pump);
          options.onSocket(socket);
          watch(socket);
          pump.resume();
          step = login.tlsStarted();
        }
        if (step.kind === "send") socket.write(framePacket(step.sequenceId, step.payload));
        else if (step.kind === "failed") reject(new Error(step.message));
        else if (step.kind === "ready") {
          isReady = true;
          pump.setHandler(options.onPacket, MAX_JOINED_PAYLOAD_BYTES);
          resolve({
            socket,
            pump,
            handshake: step.handshake,
            capabilities: step.capabilities,
            isTls: socket !== plain,
          });
        }
      },
      reject,
    );
    watch(plain);
  });
}

/** Hands the plain socket to a TLS client; nothing may have arrived after the greeting. */
async function startTls(
  plain: net.Socket,
  connection: ConnectionRecord,
  pump: PacketPump,
): Promise<tls.TLSSocket> {
  // Bytes the server sent before the handshake would be read as if they came over TLS.
  if (pump.pauseAndTakeRest().length > 0)
    throw new Error("TLS: the upstream sent data before the TLS handshake");
  plain.removeAllListeners("data");
  plain.removeAllListeners("close");
  plain.removeAllListeners("error");
  const secure = tls.connect({ socket: plain, ...upstreamTlsOptions(connection) });
  // The TCP socket's own failures end the TLS socket, whose listeners report them.
  plain.on("error", (error) => secure.destroy(error));
  await new Promise<void>((resolve, reject) => {
    secure.once("secureConnect", resolve);
    // `on`, not `once`: a socket that failed its handshake may still report a reset afterwards.
    secure.on("error", (error) => reject(new Error(`TLS with the upstream failed: ${error.message}`)));
  });
  secure.removeAllListeners("error");
  return secure;
}
