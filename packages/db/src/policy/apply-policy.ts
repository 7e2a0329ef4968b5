import { randomUUID } from "node:crypto";
import type { PolicyFile } from "@sluice/policy/policy-file";
import { workloadColumns, workloadOverlapMessage } from "@sluice/policy/workload-identity";
import { encryptSecret } from "@sluice/secrets/secret-box";
import { bumpPolicyVersion } from "../policy-version";
import type { DbClient, PrismaClient } from "../prisma";
import { connectionSecretAad } from "../seed/create-connection";
import { findOverlappingWorkloadAgent } from "../workload-overlap";
import { describeNeverMatchingRule, findNeverMatchingRules } from "./never-matching-rules";

export type ApplyPolicyOptions = {
  policy: PolicyFile;
  secretKey: Buffer;
  /** Where `passwordEnv` names are looked up (the CLI reads them through its env module). */
  env: Record<string, string | undefined>;
  /** Everything is checked and written, then rolled back: the summary and warnings of a real apply. */
  isDryRun?: boolean;
};

export type ApplySummary = { connections: number; agents: number; rules: number; warnings: string[] };

type GuardrailEntry = {
  name: string;
  kind: string;
  effect: string;
  match: object;
  message?: string;
  enabled: boolean;
};

/** Carries a dry run's summary out of the transaction it rolls back. */
class DryRunRollback extends Error {
  constructor(readonly summary: ApplySummary) {
    super("dry run: rolled back");
  }
}

/**
 * Makes the store say what the file says, in one transaction: named things are created or
 * updated, and each listed connection's rules become exactly the file's. Anything the file does not
 * mention (other connections, agents' credentials) is left alone. A failure applies nothing.
 */
export async function applyPolicy(prisma: PrismaClient, options: ApplyPolicyOptions): Promise<ApplySummary> {
  try {
    return await applyInTransaction(prisma, options);
  } catch (error) {
    if (error instanceof DryRunRollback) return error.summary;
    throw error;
  }
}

async function applyInTransaction(prisma: PrismaClient, options: ApplyPolicyOptions): Promise<ApplySummary> {
  const { policy } = options;
  const missingSecrets = policy.connections.filter(
    (c) => c.passwordEnv && options.env[c.passwordEnv] === undefined,
  );
  if (missingSecrets.length > 0) {
    throw new Error(
      missingSecrets
        .map((c) => `connection ${c.name}: environment variable ${c.passwordEnv} is not set`)
        .join("; "),
    );
  }
  return prisma.$transaction(async (db) => {
    const warnings: string[] = [];
    const groupIds = await upsertAgentGroups(db, policy);
    const reviewerIds = new Map<string, string>();
    for (const group of policy.reviewerGroups) {
      const row = await db.reviewerGroup.upsert({
        where: { name: group.name },
        update: { idpGroup: group.idpGroup, description: group.description ?? null },
        create: { name: group.name, idpGroup: group.idpGroup, description: group.description ?? null },
      });
      reviewerIds.set(group.name, row.id);
    }
    for (const agent of policy.agents) {
      const row = await db.agent.upsert({
        where: { name: agent.name },
        update: {
          description: agent.description ?? null,
          isDisabled: agent.isDisabled,
          ...workloadColumns(agent.workloadIdentity),
        },
        create: {
          name: agent.name,
          description: agent.description ?? null,
          isDisabled: agent.isDisabled,
          ...workloadColumns(agent.workloadIdentity),
        },
      });
      await db.agentGroupMember.deleteMany({ where: { agentId: row.id } });
      await db.agentGroupMember.createMany({
        data: agent.groups.map((name) => ({ agentId: row.id, groupId: groupIds.get(name) as string })),
      });
      // Checked after the upsert, so agents earlier in the file (and the store's others) count.
      const overlapping = await findOverlappingWorkloadAgent(db, {
        id: row.id,
        isDisabled: agent.isDisabled,
        workloadIdentity: agent.workloadIdentity ?? null,
      });
      if (overlapping)
        throw new Error(
          `agent ${agent.name}: workloadIdentity.subject: ${workloadOverlapMessage(overlapping.name)}`,
        );
      const credentials = await db.agentCredential.count({ where: { agentId: row.id, revokedAt: null } });
      if (credentials === 0 && !agent.workloadIdentity)
        warnings.push(`agent ${agent.name} has no credential yet: issue one in the console or API`);
    }
    let rules = 0;
    for (const connection of policy.connections) {
      const existing = await db.connection.findUnique({ where: { name: connection.name } });
      const id = existing?.id ?? randomUUID();
      const password = connection.passwordEnv ? options.env[connection.passwordEnv] : undefined;
      const fields = {
        type: connection.type.toUpperCase() as "POSTGRES" | "MYSQL" | "HTTP",
        description: connection.description ?? null,
        host: connection.host,
        port: connection.port,
        database: connection.database,
        username: connection.username ?? "",
        tlsMode: connection.tlsMode,
        tlsCaPem: connection.tlsCaPem ?? null,
        tlsServerName: connection.tlsServerName ?? null,
        httpAuthKind: connection.httpAuthKind ?? null,
        httpAuthHeader: connection.httpAuthHeader ?? null,
        httpTimeoutSeconds: connection.httpTimeoutSeconds ?? null,
        requireClientTls: connection.requireClientTls,
        isReadOnly: connection.isReadOnly,
        isStrictMasking: connection.isStrictMasking,
        isDisabled: connection.isDisabled,
        poolSize: connection.poolSize,
        poolWaitSeconds: connection.poolWaitSeconds,
        ...(password === undefined
          ? {}
          : { passwordCipher: encryptSecret(password, options.secretKey, connectionSecretAad(id)) }),
      };
      if (existing) await db.connection.update({ where: { id }, data: fields });
      else await db.connection.create({ data: { id, name: connection.name, ...fields } });
      if (!existing && password === undefined)
        warnings.push(`connection ${connection.name} has no password (set passwordEnv) `);

      await db.connectionAccess.deleteMany({ where: { connectionId: id } });
      await db.connectionAccess.createMany({
        data: connection.allowedGroups.map((name) => ({
          connectionId: id,
          groupId: groupIds.get(name) as string,
        })),
      });
      await db.guardrailRule.deleteMany({ where: { connectionId: id } });
      await db.maskingRule.deleteMany({ where: { connectionId: id } });
      await db.reviewRule.deleteMany({ where: { connectionId: id } });
      for (const rule of connection.guardrails as unknown as GuardrailEntry[]) {
        await db.guardrailRule.create({
          data: {
            connectionId: id,
            name: rule.name,
            kind: rule.kind as never,
            effect: rule.effect as "DENY" | "ALLOW",
            match: rule.match,
            message: rule.message ?? null,
            isEnabled: rule.enabled,
          },
        });
      }
      for (const rule of connection.masking) {
        await db.maskingRule.create({
          data: {
            connectionId: id,
            name: rule.name,
            columnSelector: rule.column ?? null,
            jsonPointer: rule.jsonPointer ?? null,
            detector: rule.detector ?? null,
            strategy: rule.strategy,
            keepLast: rule.keepLast ?? null,
            isEnabled: rule.enabled,
            exemptions: {
              create: rule.exemptGroups.map((name) => ({ groupId: groupIds.get(name) as string })),
            },
          },
        });
      }
      for (const rule of connection.reviews) {
        const unknown = rule.reviewerGroups.filter((name) => !reviewerIds.has(name));
        if (unknown.length > 0)
          throw new Error(
            `review rule ${rule.name} on ${connection.name}: unknown reviewer group ${unknown.join(", ")}`,
          );
        await db.reviewRule.create({
          data: {
            connectionId: id,
            name: rule.name,
            match: rule.match as object,
            mode: rule.mode,
            minApprovals: rule.minApprovals,
            timeoutSeconds: rule.timeoutSeconds,
            isBlocking: rule.blocking,
            isEnabled: rule.enabled,
            groups: {
              create: rule.reviewerGroups.map((name) => ({ groupId: reviewerIds.get(name) as string })),
            },
          },
        });
      }
      rules += connection.guardrails.length + connection.masking.length + connection.reviews.length;
    }
    // The file's rules were checked as it was read; rules it leaves alone (other connections',
    // rules of every connection) may have been stored before such patterns were refused.
    for (const rule of await findNeverMatchingRules(db))
      warnings.push(`${describeNeverMatchingRule(rule)} (a stored rule this file leaves alone)`);
    await bumpPolicyVersion(db);
    const summary = { connections: policy.connections.length, agents: policy.agents.length, rules, warnings };
    if (options.isDryRun) throw new DryRunRollback(summary);
    return summary;
  });
}

/** Groups named anywhere in the file exist afterwards; returns their ids by name. */
async function upsertAgentGroups(db: DbClient, policy: PolicyFile): Promise<Map<string, string>> {
  const described = new Map(policy.agentGroups.map((group) => [group.name, group.description ?? null]));
  const names = new Set([
    ...described.keys(),
    ...policy.agents.flatMap((agent) => agent.groups),
    ...policy.connections.flatMap((c) => [...c.allowedGroups, ...c.masking.flatMap((m) => m.exemptGroups)]),
  ]);
  const ids = new Map<string, string>();
  for (const name of names) {
    const description = described.get(name);
    const row = await db.agentGroup.upsert({
      where: { name },
      update: description === undefined ? {} : { description },
      create: { name, description: description ?? null },
    });
    ids.set(name, row.id);
  }
  return ids;
}
