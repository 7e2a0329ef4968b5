export type GatewayAddress = { host: string; port: number; caFile: string | null };

/** The connection string an agent uses: its name and token as user and password, the connection as database. */
export function connectionString(
  gateway: GatewayAddress,
  agent: string,
  token: string,
  connection: string,
): string {
  // The CA path keeps its slashes readable; libpq decodes %-escapes, and `/` needs none in a query.
  const tls = gateway.caFile
    ? `?sslmode=verify-full&sslrootcert=${encodeURIComponent(gateway.caFile).replaceAll("%2F", "/")}`
    : "";
  return `postgresql://${encodeURIComponent(agent)}:${encodeURIComponent(token)}@${gateway.host}:${gateway.port}/${encodeURIComponent(connection)}${tls}`;
}

/**
 * Ready-to-paste uses of a connection string, by client. Node's pg gets the CA as `ssl: { ca }`
 * rather than through the URI: pg reads neither PGSSLROOTCERT nor libpq's defaults, so a snippet
 * that leaned on the environment would connect without verifying the gateway (or not at all).
 */
export function snippets(gateway: GatewayAddress, uri: string): { label: string; code: string }[] {
  return [
    { label: "psql", code: `psql "${uri}"` },
    {
      label: "Python (psycopg)",
      code: `import psycopg\n\nwith psycopg.connect("${uri}") as conn:\n    print(conn.execute("select 1").fetchone())`,
    },
    { label: "Node (pg)", code: nodeSnippet(gateway, uri) },
    {
      label: "CrewAI",
      code: `from crewai_tools import NL2SQLTool\n\nnl2sql = NL2SQLTool(db_uri="${uri}")`,
    },
  ];
}

function nodeSnippet(gateway: GatewayAddress, uri: string): string {
  const query = 'console.log((await client.query("select 1")).rows);';
  if (!gateway.caFile) {
    return `import pg from "pg";\n\nconst client = new pg.Client({ connectionString: "${uri}" });\nawait client.connect();\n${query}`;
  }
  // pg lets the URI's ssl parameters override the ssl option: the URI goes without them.
  const plainUri = uri.split("?")[0];
  return [
    `import { readFileSync } from "node:fs";`,
    `import pg from "pg";`,
    "",
    "// Verifies the gateway's certificate and name against Sluice's CA (copy the file where this runs).",
    "const client = new pg.Client({",
    `  connectionString: "${plainUri}",`,
    `  ssl: { ca: readFileSync(${JSON.stringify(gateway.caFile)}, "utf8") },`,
    "});",
    "await client.connect();",
    query,
  ].join("\n");
}
