import { readFileSync } from "node:fs";
import type { Env } from "../env";

const USAGE = `usage: sluice api <GET|POST|PATCH|DELETE> <path> [--data JSON | --data @FILE]
       sluice agents list
       sluice agents create <name> [--group G]...   (issues its first token and prints it once)
       sluice connections list

  Talks to the console's /api/v1 (see /api/v1/openapi.json) at SLUICE_API_URL with the API token
  in SLUICE_API_TOKEN (create one in the console under "API tokens").`;

type ApiCall = { method: string; path: string; body?: unknown };
/** A shortcut may take two calls; the second is built from the first's answer. */
type ApiPlan = { first: ApiCall; next?: (answer: unknown) => ApiCall };

/** `sluice api …` and the shortcuts built on it; prints the JSON answer, exits non-zero on an error. */
export async function runApi(env: Env, command: string, args: string[]): Promise<number> {
  const plan = toPlan(command, args);
  if (!plan) {
    console.error(USAGE);
    return 2;
  }
  if (!env.SLUICE_API_TOKEN)
    throw new Error("SLUICE_API_TOKEN is not set (create an API token in the console)");
  const base = (env.SLUICE_API_URL ?? `http://localhost:${env.SLUICE_CONSOLE_PORT}`).replace(/\/$/, "");
  let answer = await send(base, env.SLUICE_API_TOKEN, plan.first);
  if (answer.ok && plan.next) answer = await send(base, env.SLUICE_API_TOKEN, plan.next(answer.body));
  if (!answer.ok) return 1;
  if (answer.body !== undefined) console.log(JSON.stringify(answer.body, null, 2));
  return 0;
}

async function send(base: string, token: string, call: ApiCall): Promise<{ ok: boolean; body: unknown }> {
  const response = await fetch(`${base}/api/v1${call.path}`, {
    method: call.method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(call.body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: call.body === undefined ? undefined : JSON.stringify(call.body),
  });
  const text = await response.text();
  if (!response.ok) {
    console.error(`sluice: ${call.method} ${call.path} → ${response.status} ${text}`);
    return { ok: false, body: undefined };
  }
  return { ok: true, body: text ? JSON.parse(text) : undefined };
}

function toPlan(command: string, args: string[]): ApiPlan | null {
  if (command === "api") {
    const [method, path, flag, data] = args;
    if (!method || !path?.startsWith("/")) return null;
    if (flag !== undefined && flag !== "--data") return null;
    const body =
      data === undefined
        ? undefined
        : JSON.parse(data.startsWith("@") ? readFileSync(data.slice(1), "utf8") : data);
    return { first: { method: method.toUpperCase(), path, body } };
  }
  const [verb, name, ...rest] = args;
  if (command === "connections" && verb === "list") return { first: { method: "GET", path: "/connections" } };
  if (command === "agents" && verb === "list") return { first: { method: "GET", path: "/agents" } };
  if (command === "agents" && verb === "create" && name) {
    const groups = rest.flatMap((arg, index) => (rest[index - 1] === "--group" ? [arg] : []));
    return {
      first: { method: "POST", path: "/agents", body: { name, groups } },
      next: (agent) => ({
        method: "POST",
        path: `/agents/${(agent as { id: string }).id}/credentials`,
        body: {},
      }),
    };
  }
  return null;
}
