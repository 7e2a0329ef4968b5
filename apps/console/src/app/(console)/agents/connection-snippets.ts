export type GatewayAddress = { host: string; port: number; caFile: string | null };

/** The connection string an agent uses: its name and token as user and password, the connection as database. */
export function connectionString(
  gateway: GatewayAddress,
  agent: string,
  token: string,
  connection: string,
): string {
  const tls = gateway.caFile ? `?sslmode=verify-full&sslrootcert=${encodeURIComponent(gateway.caFile)}` : "";
  return `postgresql://${encodeURIComponent(agent)}:${encodeURIComponent(token)}@${gateway.host}:${gateway.port}/${encodeURIComponent(connection)}${tls}`;
}

/** Ready-to-paste uses of a connection string, by client. */
export function snippets(uri: string): { label: string; code: string }[] {
  return [
    { label: "psql", code: `psql "${uri}"` },
    {
      label: "Python (psycopg)",
      code: `import psycopg\n\nwith psycopg.connect("${uri}") as conn:\n    print(conn.execute("select 1").fetchone())`,
    },
    {
      label: "Node (pg)",
      code: `import pg from "pg";\n\nconst client = new pg.Client({ connectionString: "${uri}" });\nawait client.connect();\nconsole.log((await client.query("select 1")).rows);`,
    },
    {
      label: "CrewAI",
      code: `from crewai_tools import NL2SQLTool\n\nnl2sql = NL2SQLTool(db_uri="${uri}")`,
    },
  ];
}
