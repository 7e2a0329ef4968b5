import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

/** What `sluice login` keeps: the console it signed in to and the API token it received. */
const ZCredentials = z.object({ url: z.string().url(), token: z.string().startsWith("slt_") });
export type Credentials = z.infer<typeof ZCredentials>;

/** `$XDG_CONFIG_HOME/sluice/credentials`, else `~/.config/sluice/credentials`; null with no home. */
export function credentialsPath(env: { XDG_CONFIG_HOME?: string; HOME?: string }): string | null {
  const base = env.XDG_CONFIG_HOME || (env.HOME ? path.join(env.HOME, ".config") : null);
  return base ? path.join(base, "sluice", "credentials") : null;
}

export function readCredentials(file: string | null): Credentials | null {
  if (!file) return null;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return null;
  }
  const parsed = ZCredentials.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${file} is not a credentials file written by sluice login`);
  return parsed.data;
}

/**
 * Written with mode 0600 (and its folder 0700) from the first byte: the token acts as the person
 * who approved it. chmod covers a file that existed with looser bits.
 */
export function writeCredentials(file: string, credentials: Credentials): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

export function removeCredentials(file: string): void {
  rmSync(file, { force: true });
}
