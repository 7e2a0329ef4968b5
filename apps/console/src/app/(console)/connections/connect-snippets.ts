import type { ConnectionType } from "@sluice/admin/connection-kinds";
import type { GatewayAddresses } from "@/client/gateway-address";
import { connectionString, snippets as postgresSnippets } from "../agents/connection-snippets";

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
  const { host, mysqlPort: port, caFile } = gateway;
  const uri = `mysql://${encodeURIComponent(target.agent)}:${encodeURIComponent(target.token)}@${host}:${port}/${encodeURIComponent(target.connection)}`;
  // The gateway refuses a login without TLS before any secret is sent: every client asks for it.
  const cliTls = caFile ? `--ssl-ca=${shellQuote(caFile)} --ssl-verify-server-cert` : "--ssl";
  const cli = `mysql -h ${host} -P ${port} -u ${shellQuote(target.agent)} -p${shellQuote(target.token)} ${cliTls} ${shellQuote(target.connection)}`;
  const pythonTls = caFile
    ? `ssl_ca=${pyString(caFile)},\n    ssl_verify_cert=True,\n    ssl_verify_identity=True,`
    : "ssl_verify_cert=True,  # the system's CAs; add ssl_ca= for Sluice's own CA";
  const pymysql = [
    "import pymysql",
    "",
    "conn = pymysql.connect(",
    `    host=${pyString(host)},`,
    `    port=${port},`,
    `    user=${pyString(target.agent)},`,
    `    password=${pyString(target.token)},`,
    `    database=${pyString(target.connection)},`,
    `    ${pythonTls}`,
    ")",
    "with conn.cursor() as cursor:",
    '    cursor.execute("select 1")',
    "    print(cursor.fetchone())",
  ].join("\n");
  return {
    address: { label: "Connection URI", code: uri },
    snippets: [
      { label: "mysql / mariadb CLI", code: cli },
      { label: "Python (PyMySQL)", code: pymysql },
    ],
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

/** Single quotes keep a shell from expanding anything in a token or a path. */
function shellQuote(text: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'"'"'`)}'`;
}

/** A Python string literal: JSON's escapes are a subset of Python's. */
function pyString(text: string): string {
  return JSON.stringify(text);
}
