// A scripted MCP agent against the Sluice demo: the tool calls an LLM would make, without the LLM.
// It lists its connections, reads the schema (masked columns marked), reads customers (masked),
// tries an unscoped DELETE (refused, with what to do instead) and reads salaries (held for the
// finance-leads reviewers; it checks the review once and says how to finish).
//
//   SLUICE_AGENT_TOKEN=<demo agent token> NODE_EXTRA_CA_CERTS=.sluice/tls/ca.crt node agent.mjs
//
// SLUICE_MCP_URL defaults to https://localhost:18090/mcp (`sluice start`'s SLUICE_MCP_PORT).
// Exits 0 when all three behaviours were seen, 1 otherwise.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const url = new URL(process.env.SLUICE_MCP_URL ?? "https://localhost:18090/mcp");
const token = process.env.SLUICE_AGENT_TOKEN;
if (!token) {
  console.error("set SLUICE_AGENT_TOKEN to the demo agent's token (`sluice start` prints it)");
  process.exit(2);
}

const client = new Client({ name: "sluice-example-agent", version: "1.0.0" });
await client.connect(
  new StreamableHTTPClientTransport(url, { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
);

/** One tool call, printed as the agent's transcript; returns the tool's JSON answer. */
async function tool(name, args = {}) {
  const result = await client.callTool({ name, arguments: args });
  const body = result.structuredContent;
  console.log(`\n> ${name} ${JSON.stringify(args)}`);
  console.log(`< ${body.status}${body.message ? `: ${body.message}` : ""}`);
  if (body.next) console.log(`  next: ${body.next}`);
  return body;
}

const seen = { masked: false, refused: false, held: false };
try {
  const { connections } = await tool("list_connections");
  const connection = connections[0]?.name;
  if (!connection) throw new Error("the agent may use no connection");

  const schema = await tool("describe_schema", { connection, schema: "public" });
  for (const table of schema.tables)
    for (const column of table.columns)
      if (column.masked) console.log(`  ${table.table}.${column.name} is masked (${column.masked.strategy})`);

  const customers = await tool("run_query", {
    connection,
    sql: "SELECT first_name, email, ssn, card_number FROM customers ORDER BY id LIMIT 3",
  });
  for (const row of customers.results?.[0]?.rows ?? []) console.log(`  ${row.join(" | ")}`);
  seen.masked = (customers.results?.[0]?.rows ?? []).some((row) => row[2] === "[REDACTED]");

  const deletion = await tool("run_query", { connection, sql: "DELETE FROM orders" });
  seen.refused = deletion.status === "refused";

  const salaries = await tool("run_query", { connection, sql: "SELECT id, salary FROM employees LIMIT 3" });
  seen.held = salaries.status === "held";
  if (seen.held) {
    const status = await tool("review_status", { review: salaries.review });
    console.log(
      `  ${salaries.review} is ${status.status}: a reviewer in ${salaries.waitingFor} approves it in the console, then review_status returns the rows`,
    );
  }
} finally {
  await client.close();
}
console.log(`\nmasked: ${seen.masked}, refused: ${seen.refused}, held: ${seen.held}`);
process.exit(seen.masked && seen.refused && seen.held ? 0 : 1);
