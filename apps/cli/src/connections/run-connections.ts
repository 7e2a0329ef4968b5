import { readFileSync } from "node:fs";
import { text } from "node:stream/consumers";
import { type ApiClient, apiClientFor } from "../api/api-client";
import type { Env } from "../env";
import { list, printJson, printTable } from "../output";
import { type ParsedConnectionArgs, parseConnectionArgs } from "./connection-flags";

export const CONNECTIONS_USAGE = `usage: sluice connections list [--json]
       sluice connections get NAME [--json]
       sluice connections create NAME --host H --port P --database D --username U
                                      [--password-env VAR | --password-stdin] [--tls-mode MODE]
                                      [--tls-ca-file PEM] [--tls-server-name N] [--allow-group G]...
                                      [--read-only] [--strict-masking] [--require-client-tls]
                                      [--disabled] [--description TEXT] [--json]
       sluice connections update NAME [same flags; --no-read-only etc. turn one off] [--json]
       sluice connections test NAME [--json]
       sluice connections delete NAME

  TLS modes: disable, prefer (default), require, verify-ca, verify-full. A password is never a
  flag's value (it would show in ps and shell history): name a variable or pipe it in.`;

type ConnectionView = {
  id: string;
  name: string;
  host: string;
  port: number;
  database: string;
  username: string;
  tlsMode: string;
  isReadOnly: boolean;
  isDisabled: boolean;
  hasPassword: boolean;
  allowedGroups: string[];
  [field: string]: unknown;
};

type TestResult =
  | {
      ok: true;
      engine: string;
      serverVersion: string;
      user: string;
      database: string;
      tls: boolean;
      millis: number;
    }
  | { ok: false; error: string; millis: number };

/** `sluice connections …`: the console API's connection operations by name. */
export async function runConnections(env: Env, args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  const parsed = parseConnectionArgs(rest);
  const { name } = parsed;
  if (verb === "list" && name === undefined) {
    const rows = await apiClientFor(env).call<ConnectionView[]>("GET", "/connections");
    if (parsed.isJson) printJson(rows);
    else printConnections(rows);
    return 0;
  }
  if (!name || !["get", "create", "update", "test", "delete"].includes(verb ?? "")) {
    console.error(CONNECTIONS_USAGE);
    return 2;
  }
  const api = apiClientFor(env);
  if (verb === "create") {
    const body = { name, ...parsed.changes, ...(await secretFields(env, parsed)) };
    const saved = await api.call<ConnectionView>("POST", "/connections", body);
    return report(parsed, saved, `created connection ${saved.name}`);
  }
  const current = await findByName(api, name);
  if (verb === "get") return report(parsed, current, null);
  if (verb === "update") {
    // PATCH takes the whole connection: the current one, with what the flags change.
    const body = { ...current, ...parsed.changes, ...(await secretFields(env, parsed)) };
    const saved = await api.call<ConnectionView>("PATCH", `/connections/${current.id}`, body);
    return report(parsed, saved, `updated connection ${saved.name}`);
  }
  if (verb === "test") {
    const result = await api.call<TestResult>("POST", `/connections/${current.id}/test`);
    if (parsed.isJson) printJson(result);
    else
      process.stdout.write(
        result.ok
          ? `ok: ${result.engine} ${result.serverVersion} as ${result.user} on ${result.database}, ${result.tls ? "TLS" : "no TLS"}, ${result.millis} ms\n`
          : `failed: ${result.error} (${result.millis} ms)\n`,
      );
    return result.ok ? 0 : 1;
  }
  await api.call("DELETE", `/connections/${current.id}`);
  console.error(`deleted connection ${current.name}`);
  return 0;
}

async function findByName(api: ApiClient, name: string): Promise<ConnectionView> {
  const rows = await api.call<ConnectionView[]>("GET", "/connections");
  const found = rows.find((row) => row.name === name || row.id === name);
  if (!found) throw new Error(`no connection named ${name}`);
  return found;
}

async function secretFields(env: Env, parsed: ParsedConnectionArgs) {
  const fields: { password?: string; tlsCaPem?: string } = {};
  if (parsed.tlsCaFile) fields.tlsCaPem = readFileSync(parsed.tlsCaFile, "utf8");
  if (parsed.password?.from === "env") {
    const value = env.variable(parsed.password.name);
    if (value === undefined) throw new Error(`--password-env: ${parsed.password.name} is not set`);
    fields.password = value;
  }
  if (parsed.password?.from === "stdin") fields.password = (await text(process.stdin)).replace(/\r?\n$/, "");
  return fields;
}

function report(parsed: ParsedConnectionArgs, view: ConnectionView, message: string | null): number {
  if (parsed.isJson) printJson(view);
  else {
    if (message) console.error(message);
    printConnections([view]);
  }
  return 0;
}

function printConnections(rows: ConnectionView[]): void {
  printTable(rows, [
    { header: "NAME", value: (row) => row.name },
    { header: "UPSTREAM", value: (row) => `${row.username}@${row.host}:${row.port}/${row.database}` },
    { header: "TLS", value: (row) => row.tlsMode.toLowerCase().replace(/_/g, "-") },
    {
      header: "FLAGS",
      value: (row) =>
        list(
          [
            row.isReadOnly ? "read-only" : "",
            row.isDisabled ? "disabled" : "",
            row.hasPassword ? "" : "no-password",
          ].filter(Boolean),
        ),
    },
    { header: "GROUPS", value: (row) => list(row.allowedGroups) },
  ]);
}
