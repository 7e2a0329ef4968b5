import { randomUUID } from "node:crypto";
import { bumpPolicyVersion } from "@sluice/db/policy-version";
import { workloadColumns, ZWorkloadIdentity } from "@sluice/policy/workload-identity";
import { z } from "zod";
import type { AdminContext } from "./actor";
import { AdminError, isUniqueViolation, parseInput } from "./admin-error";
import { AGENT_INCLUDE, toAgentView } from "./agent-view";
import { upsertGroups, ZGroupNames, ZName } from "./names";
import { assertCan } from "./permissions";
import { recordAudit } from "./record-audit";

export const ZAgentInput = z.object({
  name: ZName,
  description: z.string().trim().max(500).optional().nullable(),
  groups: ZGroupNames,
  isDisabled: z.boolean().default(false),
  /** Null or absent: the agent signs in with its static tokens only. */
  workloadIdentity: ZWorkloadIdentity.nullable().default(null),
});

/**
 * Creates or updates an agent. Disabling one ends its live sessions within a second (the gateway's
 * revocation watcher); group changes apply to its next connection. A workload identity lets it
 * sign in with a short-lived JWT; removing it ends the sessions opened that way.
 */
export async function saveAgent(context: AdminContext, options: { id?: string; input: unknown }) {
  assertCan(context.actor, "policy:write");
  const input = parseInput(ZAgentInput, options.input);
  try {
    return await context.db.$transaction(async (db) => {
      const before = options.id
        ? await db.agent.findUnique({ where: { id: options.id }, include: AGENT_INCLUDE })
        : null;
      if (options.id && !before) throw new AdminError("not_found", "no such agent");
      const id = options.id ?? randomUUID();
      const groups = await upsertGroups(db, input.groups);
      if (before) await db.agentGroupMember.deleteMany({ where: { agentId: id } });
      const data = {
        name: input.name,
        description: input.description || null,
        isDisabled: input.isDisabled,
        ...workloadColumns(input.workloadIdentity),
        memberships: { create: groups.map((group) => ({ groupId: group.id })) },
      };
      const saved = before
        ? await db.agent.update({ where: { id }, data, include: AGENT_INCLUDE })
        : await db.agent.create({ data: { id, ...data }, include: AGENT_INCLUDE });
      await recordAudit(db, context.actor, {
        action: before ? "agent.update" : "agent.create",
        targetType: "agent",
        targetId: id,
        before: before ? toAgentView(before) : undefined,
        after: toAgentView(saved),
      });
      await bumpPolicyVersion(db);
      return toAgentView(saved);
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw new AdminError("conflict", "an agent with that name exists", { name: "already in use" });
    throw error;
  }
}

/** Deletes an agent that never connected; one with recorded sessions is disabled instead. */
export async function deleteAgent(context: AdminContext, options: { id: string }) {
  assertCan(context.actor, "policy:write");
  await context.db.$transaction(async (db) => {
    const before = await db.agent.findUnique({ where: { id: options.id }, include: AGENT_INCLUDE });
    if (!before) throw new AdminError("not_found", "no such agent");
    if (await db.gatewaySession.findFirst({ where: { agentId: options.id }, select: { id: true } })) {
      throw new AdminError("conflict", "this agent has recorded sessions; disable it instead of deleting it");
    }
    await db.agent.delete({ where: { id: options.id } });
    await recordAudit(db, context.actor, {
      action: "agent.delete",
      targetType: "agent",
      targetId: options.id,
      before: toAgentView(before),
    });
    await bumpPolicyVersion(db);
  });
}
