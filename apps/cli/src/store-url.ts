import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Env } from "./env";

/**
 * The store a command talks to: DATABASE_URL, or the embedded server of a running `sluice start`
 * (its port and the superuser password it keeps beside its data).
 */
export function resolveStoreUrl(env: Env): string {
  if (env.DATABASE_URL) return env.DATABASE_URL;
  const passwordFile = path.join(env.SLUICE_HOME, "pg.password");
  if (!existsSync(passwordFile)) {
    throw new Error(`no store: set DATABASE_URL, or run \`sluice start\` first (nothing at ${passwordFile})`);
  }
  const password = readFileSync(passwordFile, "utf8").trim();
  return `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${env.SLUICE_EMBEDDED_PG_PORT}/sluice`;
}
