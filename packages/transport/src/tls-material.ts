import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

export type TlsMaterial = {
  caFile: string;
  certFile: string;
  keyFile: string;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
};

/** Names the generated server certificate is valid for: what a local agent puts in its URL. */
const LOCAL_NAMES = "DNS:localhost,IP:127.0.0.1,IP:::1";
const CA_DAYS = 3650;
/** Browsers and some TLS stacks refuse leaf certificates valid for more than 825 days. */
const LEAF_DAYS = 825;

/**
 * A private CA and a server certificate signed by it, generated once with openssl (Debian ships
 * it; Node has no certificate builder), so agents can use `sslmode=verify-full` with the CA file.
 */
export function ensureTlsMaterial(dir: string): TlsMaterial {
  const caFile = path.join(dir, "ca.crt");
  const caKey = path.join(dir, "ca.key");
  const certFile = path.join(dir, "server.crt");
  const keyFile = path.join(dir, "server.key");
  if (!existsSync(certFile) || !existsSync(keyFile) || !existsSync(caFile)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    openssl([
      "req",
      "-x509",
      ...ec,
      "-keyout",
      caKey,
      "-out",
      caFile,
      "-days",
      String(CA_DAYS),
      "-subj",
      "/CN=Sluice local CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    const csr = path.join(dir, "server.csr");
    openssl(["req", ...ec, "-keyout", keyFile, "-out", csr, "-subj", "/CN=localhost"]);
    const ext = path.join(dir, "server.ext");
    writeFileSync(
      ext,
      `subjectAltName=${LOCAL_NAMES}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`,
    );
    openssl([
      "x509",
      "-req",
      "-in",
      csr,
      "-CA",
      caFile,
      "-CAkey",
      caKey,
      "-CAcreateserial",
      "-out",
      certFile,
      "-days",
      String(LEAF_DAYS),
      "-extfile",
      ext,
    ]);
  }
  return {
    caFile,
    certFile,
    keyFile,
    ca: readFileSync(caFile),
    cert: readFileSync(certFile),
    key: readFileSync(keyFile),
  };
}

function openssl(args: string[]): void {
  try {
    execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(
      `openssl ${args[0]} failed while generating the gateway's TLS certificate: ${stderr ?? String(error)}`,
    );
  }
}
