import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";

export type SigningKeyPair = { key: string; cert: string };

/** SAML signing certificates are trust anchors pinned in metadata, not TLS leaves: ten years. */
const CERT_DAYS = 3650;

/**
 * An RSA key and a self-signed certificate for SAML signing, generated once into `dir` with openssl
 * (Debian ships it; Node has no certificate builder). SAML peers pin the certificate from metadata,
 * so self-signed is the norm, and keeping it across restarts keeps the other side's trust.
 */
export function ensureSigningKeyPair(dir: string, commonName: string): SigningKeyPair {
  const keyFile = path.join(dir, "signing.key");
  const certFile = path.join(dir, "signing.crt");
  if (!existsSync(keyFile) || !existsSync(certFile)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        keyFile,
        "-out",
        certFile,
        "-days",
        String(CERT_DAYS),
        "-subj",
        `/CN=${commonName.replace(/[/=]/g, "-")}`,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    chmodSync(keyFile, 0o600);
  }
  return { key: readFileSync(keyFile, "utf8"), cert: readFileSync(certFile, "utf8") };
}
