import type { ConnectionType } from "@sluice/admin/connection-kinds";
import type { GatewayAddresses } from "@/client/gateway-address";
import { connectionString, snippets as postgresSnippets } from "../agents/connection-snippets";
import { mysqlSnippets, mysqlUri, pyString, shellQuote } from "./mysql-snippets";

export type Snippet = { label: string; code: string };

/** What an agent pastes to reach one connection: the address in one line, and clients that use it. */
export type ConnectInstructions = { address: Snippet; snippets: Snippet[] };

export type ConnectTarget = {
  type: ConnectionType;
  connection: string;
  agent: string;
  /** The agent's token, or a placeholder such as `$SLUICE_TOKEN` where it is not known. */
  token: string;
};

/**
 * Ready-to-paste instructions for the connection's kind: each listener speaks its own protocol
 * (docs/mysql.md, docs/http.md), so a Postgres URI shown for a MySQL connection would be refused.
 * Every snippet verifies the gateway's certificate against Sluice's CA when it is known.
 */
export function connectInstructions(gateway: GatewayAddresses, target: ConnectTarget): ConnectInstructions {
  switch (target.type) {
    case "POSTGRES": {
      const address = { host: gateway.host, port: gateway.postgresPort, caFile: gateway.caFile };
      const uri = connectionString(address, target.agent, target.token, target.connection);
      return { address: { label: "Connection string", code: uri }, snippets: postgresSnippets(address, uri) };
    }
    case "MYSQL":
      return mysqlInstructions(gateway, target);
    case "HTTP":
      return httpInstructions(gateway, target);
  }
}

function mysqlInstructions(gateway: GatewayAddresses, target: ConnectTarget): ConnectInstructions {
  const address = { host: gateway.host, port: gateway.mysqlPort, caFile: gateway.caFile };
  return {
    address: { label: "Connection URI", code: mysqlUri(address, target) },
    snippets: mysqlSnippets(address, target),
  };
}

function httpInstructions(gateway: GatewayAddresses, target: ConnectTarget): ConnectInstructions {
  const base = `https://${gateway.host}:${gateway.httpPort}/${encodeURIComponent(target.connection)}/`;
  const bearer = `Authorization: Bearer ${target.token}`;
  const curl = `curl${gateway.caFile ? ` --cacert ${shellQuote(gateway.caFile)}` : ""} -H ${shellQuote(bearer)} ${shellQuote(base)}`;
  const requests = [
    "import requests",
    "",
    "response = requests.get(",
    `    ${pyString(base)},`,
    `    headers={"Authorization": ${pyString(`Bearer ${target.token}`)}},`,
    `    verify=${gateway.caFile ? pyString(gateway.caFile) : "True"},`,
    "    timeout=60,",
    ")",
    "print(response.status_code, response.json())",
  ].join("\n");
  return {
    address: { label: "Base URL (paths below it go to the upstream's base path)", code: base },
    snippets: [
      { label: "curl", code: curl },
      { label: "Python (requests)", code: requests },
    ],
  };
}
