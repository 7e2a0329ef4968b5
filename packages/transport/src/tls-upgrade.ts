import type net from "node:net";
import type { Duplex } from "node:stream";
import tls from "node:tls";
import { ClientError } from "@sluice/session/client-error";

/**
 * The ALPN protocol PostgreSQL 17+ requires for direct TLS and accepts (if offered) after SSLRequest.
 * @see https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-SSL
 */
const ALPN_PROTOCOLS = ["postgresql"];

export type TlsUpgrade = {
  /** The socket to read and write from now on, before its handshake is done. */
  socket: tls.TLSSocket;
  /**
   * True once the handshake is done; false for direct TLS without ALPN "postgresql" (another
   * protocol's client: the server closes silently).
   * @throws ClientError 08P01 when the handshake fails
   */
  handshake: Promise<boolean>;
};

/**
 * Takes the client's plain socket over as the server side of TLS. Its own listeners are removed:
 * the bytes it receives from now on are the TLS layer's.
 */
export function upgradeToTls(plain: Duplex, context: tls.SecureContext, isDirect: boolean): TlsUpgrade {
  plain.removeAllListeners("data");
  plain.removeAllListeners("close");
  const socket = new tls.TLSSocket(plain as net.Socket, {
    isServer: true,
    secureContext: context,
    // A client that offers ALPN without "postgresql" fails the handshake, as with the server.
    ALPNProtocols: ALPN_PROTOCOLS,
  });
  const handshake = new Promise<boolean>((resolve, reject) => {
    socket.once("secure", () => resolve(!isDirect || socket.alpnProtocol === "postgresql"));
    socket.once("error", (error) =>
      reject(ClientError.fatal("08P01", `TLS handshake failed: ${error.message}`)),
    );
  });
  return { socket, handshake };
}
