import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { MASKED_VALUES_NOTE } from "@sluice/agent-guidance/agent-guidance";
import type { PrismaClient } from "@sluice/db/prisma";
import { matchesSelector } from "@sluice/masking/selector";
import type { ConnectionPolicy } from "@sluice/policy/rules";
import { callThroughGateway, type GatewayEndpoint } from "./gateway-wire-call";
import type { McpAgent } from "./mcp-credentials";
import { jsonReply, refusalReply, resultReply } from "./tool-replies";

/** The agent's Postgres connections: the ones run_query and describe_schema can reach. */
export async function listConnections(prisma: PrismaClient, agent: McpAgent): Promise<CallToolResult> {
  const connections = await prisma.connection.findMany({
    where: {
      type: "POSTGRES",
      isDisabled: false,
      access: { some: { group: { name: { in: [...agent.groups] } } } },
    },
    select: { name: true, description: true, isReadOnly: true },
    orderBy: { name: "asc" },
  });
  return jsonReply({
    status: "ok",
    connections: connections.map((connection) => ({
      name: connection.name,
      ...(connection.description ? { description: connection.description } : {}),
      isReadOnly: connection.isReadOnly,
    })),
    next:
      connections.length > 0
        ? "call describe_schema with a connection's name, then run_query"
        : "this agent may use no connection; ask an admin to add one of its groups to a connection",
  });
}

/**
 * The tables and columns the agent's upstream login can see, read through the gateway as the agent
 * (so the read is judged and recorded like any other), each column marked with the masking rule
 * that applies to this agent, as the gateway will apply it to results.
 */
export async function describeSchema(options: {
  prisma: PrismaClient;
  endpoint: GatewayEndpoint;
  agent: McpAgent;
  policy: (connectionId: string) => ConnectionPolicy | undefined;
  connection: string;
  schema?: string | undefined;
}): Promise<CallToolResult> {
  const { agent } = options;
  // pg_catalog's own tables, not information_schema: the gateway masks what views return (it cannot
  // prove their columns' origins). The names are cast to text: a system catalog's own columns are
  // outside the upstream catalog the masker reads, so they would arrive as unprovable; a computed
  // value is judged by lineage, which proves these come from no masked column.
  const sql = `SELECT n.nspname::text, c.relname::text, a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod),
      CASE WHEN a.attnotnull THEN 'NO' ELSE 'YES' END
    FROM pg_catalog.pg_attribute a
    JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%'
    ORDER BY n.nspname, c.relname, a.attnum`;
  const outcome = await callThroughGateway({
    endpoint: options.endpoint,
    agent,
    connection: options.connection,
    sql,
  }).outcome;
  if (outcome.kind === "error") return resultReply(outcome);
  const record = await options.prisma.connection.findUnique({
    where: { name: options.connection },
    select: { id: true },
  });
  const rules = (record ? (options.policy(record.id)?.masking ?? []) : []).filter(
    (rule) => !rule.exemptGroups.some((group) => agent.groups.includes(group)),
  );
  if (!record)
    return refusalReply("3D000", `no connection named ${options.connection}`, "call list_connections");
  const tables = new Map<string, { schema: string; table: string; columns: Record<string, unknown>[] }>();
  for (const [schema, table, column, type, nullable] of outcome.results[0]?.rows ?? []) {
    if (!schema || !table || !column) continue;
    if (options.schema && schema !== options.schema) continue;
    const key = `${schema}.${table}`;
    let entry = tables.get(key);
    if (!entry) {
      entry = { schema, table, columns: [] };
      tables.set(key, entry);
    }
    const rule = rules.find(
      (candidate) =>
        candidate.selector !== null && matchesSelector(candidate.selector, { schema, table, column }),
    );
    entry.columns.push({
      name: column,
      type,
      isNullable: nullable === "YES",
      ...(rule ? { masked: { rule: rule.name, strategy: rule.strategy } } : {}),
    });
  }
  const detectors = rules.filter((rule) => rule.detector !== null).map((rule) => rule.detector as string);
  return jsonReply({
    status: "ok",
    connection: options.connection,
    tables: [...tables.values()],
    ...(detectors.length > 0 ? { maskedWherever: detectors } : {}),
    note: MASKED_VALUES_NOTE,
  });
}
