import type { ClientSocket } from "./connection-deps";

/**
 * The peer's address as the login limits, the log and the session row name it (an IPv4 client
 * without its IPv6 mapping). Read once per connection, from the accepted socket: Node asks the
 * kernel (getpeername) once per socket object, and the TLS socket that replaces it after an
 * SSLRequest is a new one; a socket the client already closed answers nothing at all.
 */
export function clientAddressOf(socket: ClientSocket): string {
  const raw = socket.remoteAddress ?? "unknown";
  return raw.startsWith("::ffff:") ? raw.slice(7) : raw;
}
