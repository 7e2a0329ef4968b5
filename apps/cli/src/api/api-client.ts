import type { Env } from "../env";
import { credentialsPath, readCredentials } from "./credentials-file";

export type ApiClient = {
  baseUrl: string;
  /** The answer's JSON (undefined for 204); throws ApiCallError on any other status. */
  call: <T = unknown>(method: string, path: string, body?: unknown) => Promise<T>;
};

/** A refused call, with the API's message and field messages, for one clear line on stderr. */
export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function consoleUrl(env: Env): string {
  return (env.SLUICE_API_URL ?? `http://localhost:${env.SLUICE_CONSOLE_PORT}`).replace(/\/$/, "");
}

/**
 * The console and token to use: SLUICE_API_TOKEN (with SLUICE_API_URL) wins; otherwise what
 * `sluice login` stored, for the console it was stored for.
 */
export function apiClientFor(env: Env): ApiClient {
  if (env.SLUICE_API_TOKEN) return createApiClient(consoleUrl(env), env.SLUICE_API_TOKEN);
  const stored = readCredentials(credentialsPath(env));
  if (!stored)
    throw new Error("not signed in: run `sluice login`, or set SLUICE_API_TOKEN to a token from the console");
  // The stored token goes only to the console that issued it, never to wherever SLUICE_API_URL
  // happens to point now.
  const wanted = env.SLUICE_API_URL?.replace(/\/$/, "");
  if (wanted && wanted !== stored.url)
    throw new Error(
      `the stored token is for ${stored.url} but SLUICE_API_URL is ${wanted}: run sluice login --url ${wanted}`,
    );
  return createApiClient(stored.url, stored.token);
}

export function createApiClient(baseUrl: string, token: string): ApiClient {
  return {
    baseUrl,
    call: async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const response = await fetch(`${baseUrl}/api/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok)
        throw new ApiCallError(response.status, describeRefusal(method, path, response.status, text));
      return (text ? JSON.parse(text) : undefined) as T;
    },
  };
}

/** `POST /connections → 400 some fields need attention (port: 1 to 65535)`. */
function describeRefusal(method: string, path: string, status: number, text: string): string {
  let detail = text;
  try {
    const body = JSON.parse(text) as { error?: string; fields?: Record<string, string> };
    const fields = Object.entries(body.fields ?? {}).map(([field, message]) => `${field}: ${message}`);
    detail = `${body.error ?? text}${fields.length ? ` (${fields.join("; ")})` : ""}`;
  } catch {
    // not JSON: shown as it came
  }
  return `${method} ${path} → ${status} ${detail}`;
}
