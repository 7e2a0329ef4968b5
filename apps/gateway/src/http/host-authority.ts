import { isIPv6 } from "node:net";

/**
 * A host as it stands in a URL's authority or a Host header (RFC 3986 §3.2.2): an IPv6 literal goes
 * in brackets, since its colons would otherwise read as the port's.
 */
export function hostInAuthority(host: string): string {
  return isIPv6(host) ? `[${host}]` : host;
}

/** The Host header for a port: the port only when it is not the scheme's default (RFC 9110 §7.2). */
export function hostHeader(host: string, port: number, defaultPort: number): string {
  const name = hostInAuthority(host);
  return port === defaultPort ? name : `${name}:${port}`;
}
