import type { AdminContext } from "./actor";
import { AdminError } from "./admin-error";
import { AGENT_INCLUDE, toAgentView } from "./agent-view";
import { assertCan } from "./permissions";

export async function listAgents(context: AdminContext) {
  assertCan(context.actor, "policy:read");
  const rows = await context.db.agent.findMany({ orderBy: { name: "asc" }, include: AGENT_INCLUDE });
  return rows.map(toAgentView);
}

export async function getAgent(context: AdminContext, options: { id: string }) {
  assertCan(context.actor, "policy:read");
  const row = await context.db.agent.findUnique({ where: { id: options.id }, include: AGENT_INCLUDE });
  if (!row) throw new AdminError("not_found", "no such agent");
  return toAgentView(row);
}

/** Every agent group, with how many agents and connections use it (for pickers and empty states). */
export async function listAgentGroups(context: AdminContext) {
  assertCan(context.actor, "policy:read");
  const rows = await context.db.agentGroup.findMany({
    orderBy: { name: "asc" },
    include: { _count: { select: { members: true, connectionGrants: true } } },
  });
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    agents: row._count.members,
    connections: row._count.connectionGrants,
  }));
}
