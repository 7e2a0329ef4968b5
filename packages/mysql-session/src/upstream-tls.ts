import net from "node:net";
import tls from "node:tls";
import type { UpstreamTlsMode } from "@sluice/session/directory";

/** The connection fields that say how the gateway speaks TLS to a MySQL upstream. */
export type UpstreamTlsSettings = {
  host: string;
  tlsMode: UpstreamTlsMode;
  tlsCaPem: string | null;
  tlsServerName: string | null;
};

/** True when a server that does not offer TLS must be refused rather than used in clear. */
export function isTlsRequired(mode: UpstreamTlsMode): boolean {
  return mode === "REQUIRE" || mode === "VERIFY_CA" || mode === "VERIFY_FULL";
}

/**
 * Client TLS options for a MySQL upstream, read as libpq reads sslmode (the same fields as a
 * Postgres connection): REQUIRE encrypts without checking who answers, VERIFY_CA checks the chain
 * against the connection's CA, VERIFY_FULL also the name (`tlsServerName`, else the host). PREFER
 * encrypts when offered and, like REQUIRE, cannot check anyone.
 */
export function upstreamTlsOptions(settings: UpstreamTlsSettings): tls.ConnectionOptions {
  const verify = settings.tlsMode === "VERIFY_CA" || settings.tlsMode === "VERIFY_FULL";
  const name = settings.tlsServerName ?? settings.host;
  return {
    // SNI takes names only; an IP address is still checked against the certificate below.
    ...(net.isIP(name) ? {} : { servername: name }),
    ...(settings.tlsCaPem ? { ca: settings.tlsCaPem } : {}),
    rejectUnauthorized: verify,
    checkServerIdentity:
      settings.tlsMode === "VERIFY_FULL"
        ? (_host, cert) => tls.checkServerIdentity(name, cert)
        : () => undefined,
  };
}
