import { hkdfSync } from "node:crypto";

/** A key for one purpose derived from the deployment's secret key (HKDF-SHA256), so no purpose needs a key file. */
export function deriveKey(secretKey: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync("sha256", secretKey, Buffer.alloc(0), `sluice:${purpose}`, 32));
}

/** The key of the recordings' hash chain: only holders of the secret key can forge a chain. */
export const RECORDING_CHAIN_PURPOSE = "recording-chain";
