import { parseArgs } from "node:util";
import { apiClientFor } from "../api/api-client";
import type { Env } from "../env";
import { list, printJson, printTable } from "../output";

export const AGENTS_USAGE = `usage: sluice agents list [--json]
       sluice agents create NAME [--group G]... [--json]   (issues its first token and prints it once)`;

type AgentView = {
  id: string;
  name: string;
  isDisabled: boolean;
  groups: string[];
  connections: string[];
  credentials: { revokedAt: string | null }[];
};

/** `sluice agents …`. */
export async function runAgents(env: Env, args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    options: { group: { type: "string", multiple: true }, json: { type: "boolean" } },
    allowPositionals: true,
    strict: true,
  });
  const isJson = values.json === true;
  if (verb === "list" && positionals.length === 0) {
    const agents = await apiClientFor(env).call<AgentView[]>("GET", "/agents");
    if (isJson) printJson(agents);
    else
      printTable(agents, [
        { header: "NAME", value: (agent) => agent.name },
        { header: "GROUPS", value: (agent) => list(agent.groups) },
        { header: "CONNECTIONS", value: (agent) => list(agent.connections) },
        {
          header: "TOKENS",
          value: (agent) => String(agent.credentials.filter((credential) => !credential.revokedAt).length),
        },
        { header: "STATE", value: (agent) => (agent.isDisabled ? "disabled" : "enabled") },
      ]);
    return 0;
  }
  const [name] = positionals;
  if (verb === "create" && name && positionals.length === 1) {
    const api = apiClientFor(env);
    const agent = await api.call<AgentView>("POST", "/agents", { name, groups: values.group ?? [] });
    const issued = await api.call<{ token: string }>("POST", `/agents/${agent.id}/credentials`, {});
    if (isJson) printJson(issued);
    else {
      console.error(`created agent ${agent.name}; its token (shown once):`);
      process.stdout.write(`${issued.token}\n`);
    }
    return 0;
  }
  console.error(AGENTS_USAGE);
  return 2;
}
