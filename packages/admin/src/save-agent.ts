import { randomUUID } from "node:crypto";
import { bumpPolicyVersion } from "@sluice/db/policy-version";
import { findOverlappingWorkloadAgent } from "@sluice/db/workload-overlap";
import { workloadColumns, workloadOverlapMessage, ZWorkloadIdentity } from "@sluice/policy/workload-identity";
import { z } from "zod";
import type { AdminContext } from "./actor";
import { AdminError, isUniqueViolation, parseInput } from "./admin-error";
import { AGENT_INCLUDE, type AgentView, toAgentView } from "./agent-view";
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
 * Updating (PATCH): a field that is omitted keeps its stored value. With defaults, a client that
 * sent only a new description would remove every group, re-enable a disabled agent and drop its
 * workload identity (ending the sessions it opened).
 */
export const ZAgentPatch = z.object({
  name: ZName.optional(),
  description: z.string().trim().max(500).optional().nullable(),
  groups: z.array(ZName).max(100).optional(),
  isDisabled: z.boolean().optional(),
  workloadIdentity: ZWorkloadIdentity.nullable().optional(),
});

/**
 * Creates or updates an agent. Disabling one ends its live sessions within a second (the gateway's
 * revocation watcher); group changes apply to its next connection. A workload identity lets it
 * sign in with a short-lived JWT; removing it ends the sessions opened that way. An enabled agent's
 * identity may not overlap another enabled agent's (a conflict naming the other agent).
 */
export async function saveAgent(context: AdminContext, options: { id?: string; input: unknown }) {
  assertCan(context.actor, "policy:write");
  const patch = options.id ? parseInput(ZAgentPatch, options.input) : null;
  const created = patch ? null : parseInput(ZAgentInput, options.input);
  try {
    return await context.db.$transaction(async (db) => {
      const before = options.id
        ? await db.agent.findUnique({ where: { id: options.id }, include: AGENT_INCLUDE })
        : null;
      if (options.id && !before) throw new AdminError("not_found", "no such agent");
      const id = options.id ?? randomUUID();
      const input = before && patch ? mergePatch(toAgentView(before), patch) : (created as AgentFields);
      // A JWT names no agent: two enabled agents accepting one token would make it ambiguous.
      const overlapping = await findOverlappingWorkloadAgent(db, {
        id: before ? id : null,
        isDisabled: input.isDisabled,
        workloadIdentity:
          input.workloadIdentity === undefined
            ? (before && toAgentView(before).workloadIdentity) || null
            : input.workloadIdentity,
      });
      if (overlapping)
        throw new AdminError("conflict", `the workload identity overlaps agent ${overlapping.name}'s`, {
          "workloadIdentity.subject": workloadOverlapMessage(overlapping.name),
        });
      const groups = await upsertGroups(db, input.groups);
      if (before) await db.agentGroupMember.deleteMany({ where: { agentId: id } });
      const data = {
        name: input.name,
        description: input.description || null,
        isDisabled: input.isDisabled,
        // An update that does not name the workload identity leaves its columns as they are.
        ...(input.workloadIdentity === undefined ? {} : workloadColumns(input.workloadIdentity)),
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

type AgentFields = Omit<z.output<typeof ZAgentInput>, "workloadIdentity"> & {
  /** Undefined: keep the stored identity (an update that does not name it). */
  workloadIdentity: z.output<typeof ZAgentInput>["workloadIdentity"] | undefined;
};

function mergePatch(stored: AgentView, patch: z.output<typeof ZAgentPatch>): AgentFields {
  return {
    name: patch.name ?? stored.name,
    description: patch.description === undefined ? stored.description : patch.description,
    groups: patch.groups ?? stored.groups,
    isDisabled: patch.isDisabled ?? stored.isDisabled,
    workloadIdentity: patch.workloadIdentity,
  };
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
