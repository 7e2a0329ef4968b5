import { isIP } from "node:net";

/**
 * Dot-separated labels, read leniently (underscores and edge hyphens too: container names and
 * hosts files use them, and a name that resolves today must stay savable).
 */
const HOST_NAME = /^[A-Za-z0-9_-]{1,63}(?:\.[A-Za-z0-9_-]{1,63})*\.?$/;

/**
 * Why a connection's host is not one the gateway can connect to, or null. The gateway opens a TCP
 * connection to exactly this name (`net.connect`), so a URL, a `host:port` or a name with spaces
 * would be stored and only fail at an agent's first connect; said here, next to the field.
 */
export function upstreamHostProblem(host: string): string | null {
  if (isIP(host) !== 0 || HOST_NAME.test(host)) return null;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(host) || host.includes("/"))
    return "the host alone: no scheme (https://) or path, which have fields of their own";
  if (/^\[.*\]$/.test(host) && isIP(host.slice(1, -1)) === 6) return "an IPv6 address without the brackets";
  if (/^[^:]+:\d+$/.test(host)) return "the host alone: the port goes in Port";
  return "a host name (db.internal) or an IP address (10.0.0.5, ::1)";
}
