import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { ApiCallError, consoleUrl, createApiClient } from "../api/api-client";
import {
  credentialsPath,
  readCredentials,
  removeCredentials,
  writeCredentials,
} from "../api/credentials-file";
import type { Env } from "../env";
import { printJson } from "../output";
import { createLoginRequest } from "./login-request";

export const LOGIN_USAGE = `usage: sluice login [--url CONSOLE_URL] [--print] [--timeout SECONDS] [--json]
       sluice logout

  login prints a link to the console; open it where you can sign in, check that the page shows the
  same code as your terminal, and approve. The API token is stored in ~/.config/sluice/credentials
  (mode 0600; $XDG_CONFIG_HOME is honoured), or printed on stdout with --print. It is listed, and
  revocable, under "API tokens" in the console. logout revokes the stored token and removes it.`;

/** How often the terminal tries its token while the person approves; each try is one lookup by hash. */
const POLL_INTERVAL_MS = 2_000;
/** RFC 8628 suggests minutes, not hours, for a pending request. */
const DEFAULT_TIMEOUT_SECONDS = 600;

type Me = { name: string; roles: string[]; tokenId?: string };

export async function runLogin(env: Env, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      url: { type: "string" },
      print: { type: "boolean" },
      timeout: { type: "string" },
      json: { type: "boolean" },
    },
    allowPositionals: true,
    strict: true,
  });
  const timeoutSeconds = Number(values.timeout ?? DEFAULT_TIMEOUT_SECONDS);
  if (positionals.length > 0 || !Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    console.error(LOGIN_USAGE);
    return 2;
  }
  const base = (values.url ?? consoleUrl(env)).replace(/\/$/, "");
  const file = credentialsPath(env);
  if (!values.print && !file)
    throw new Error("no HOME or XDG_CONFIG_HOME to store the token in: use --print");
  await assertReachable(base);

  const request = createLoginRequest(base, `sluice login on ${hostname()}`);
  console.error(
    [
      "Open this link where you can sign in to the Sluice console, check that it shows the code",
      `${request.code}, and approve:`,
      "",
      `  ${request.link}`,
      "",
      "Waiting for approval (Ctrl-C to give up)…",
    ].join("\n"),
  );
  const me = await waitForApproval(base, request.token, timeoutSeconds * 1000);
  if (!me) throw new Error(`not approved within ${timeoutSeconds} s; run sluice login again`);

  if (env.SLUICE_API_TOKEN && !values.print)
    console.error("note: SLUICE_API_TOKEN is set and is used instead of the stored token until you unset it");
  if (values.print) process.stdout.write(`${request.token}\n`);
  else writeCredentials(file as string, { url: base, token: request.token });
  const stored = values.print ? null : file;
  if (values.json) printJson({ user: me.name, roles: me.roles, console: base, credentialsFile: stored });
  console.error(
    `Signed in to ${base} as ${me.name} (${me.roles.join(", ").toLowerCase()})${stored ? `; token stored in ${stored}` : ""}.`,
  );
  return 0;
}

/** `sluice logout`: revokes the stored token in the console (audited), then forgets it. */
export async function runLogout(env: Env): Promise<number> {
  const file = credentialsPath(env);
  const stored = readCredentials(file);
  if (!stored || !file) {
    console.error("not signed in (no stored token)");
    return 0;
  }
  const api = createApiClient(stored.url, stored.token);
  try {
    const me = await api.call<Me>("GET", "/me");
    if (me.tokenId) await api.call("DELETE", `/api-tokens/${me.tokenId}`);
  } catch (error) {
    // An expired or already revoked token is as good as logged out; anything else is reported.
    if (!(error instanceof ApiCallError && error.status === 401)) throw error;
  }
  removeCredentials(file);
  console.error(`Signed out of ${stored.url}; the token is revoked.`);
  return 0;
}

async function assertReachable(base: string): Promise<void> {
  try {
    await fetch(`${base}/api/health`);
  } catch {
    throw new Error(`cannot reach the console at ${base} (set --url or SLUICE_API_URL)`);
  }
}

/**
 * Tries the token until the console knows it: 401 means not yet approved, and a console that is
 * briefly unreachable (restarting) is tried again; any other answer ends the wait.
 */
async function waitForApproval(base: string, token: string, timeoutMs: number): Promise<Me | null> {
  const api = createApiClient(base, token);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      return await api.call<Me>("GET", "/me");
    } catch (error) {
      if (error instanceof ApiCallError && error.status !== 401) throw error;
    }
    await sleep(POLL_INTERVAL_MS);
  }
  return null;
}
