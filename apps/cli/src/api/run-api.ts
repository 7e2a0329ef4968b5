import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { Env } from "../env";
import { printJson } from "../output";
import { apiClientFor } from "./api-client";

export const API_USAGE = `usage: sluice api <GET|POST|PATCH|DELETE> <path> [--data JSON | --data @FILE]

  Calls the console's /api/v1 (see /api/v1/openapi.json) and prints its JSON answer. Signs in with
  SLUICE_API_TOKEN (and SLUICE_API_URL), or else with what \`sluice login\` stored.`;

/** `sluice api …`: the raw API; the answer is JSON already, so --json is accepted and changes nothing. */
export async function runApi(env: Env, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { data: { type: "string" }, json: { type: "boolean" } },
    allowPositionals: true,
    strict: true,
  });
  const [method, path] = positionals;
  if (!method || !path?.startsWith("/") || positionals.length > 2) {
    console.error(API_USAGE);
    return 2;
  }
  const data = values.data;
  const body =
    data === undefined
      ? undefined
      : JSON.parse(data.startsWith("@") ? readFileSync(data.slice(1), "utf8") : data);
  const answer = await apiClientFor(env).call(method.toUpperCase(), path, body);
  if (answer !== undefined) printJson(answer);
  return 0;
}
