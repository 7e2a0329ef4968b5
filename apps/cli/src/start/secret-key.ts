import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { generateKey, parseKey } from "@sluice/secrets/secret-box";

/** The key for secrets at rest: from the environment, else a key file created on first start. */
export function loadSecretKey(home: string, fromEnv: string | undefined): Buffer {
  if (fromEnv) return parseKey(fromEnv);
  const file = path.join(home, "secret.key");
  if (existsSync(file)) return parseKey(readFileSync(file, "utf8").trim());
  mkdirSync(home, { recursive: true });
  const key = generateKey();
  writeFileSync(file, `${key.toString("base64")}\n`, { mode: 0o600 });
  return key;
}

export { deriveKey } from "@sluice/secrets/derive-key";
