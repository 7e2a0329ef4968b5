import { issueAgentCredential } from "@sluice/db/seed/issue-agent-credential";
import { z } from "zod";
import type { AdminContext } from "./actor";
import { AdminError, parseInput } from "./admin-error";
import { assertCan } from "./permissions";
import { recordAudit } from "./record-audit";

/** A week: long enough for a weekly deploy to pick up the new token, short enough to stay a rotation. */
export const MAX_ROTATION_GRACE_MINUTES = 7 * 24 * 60;

export const ZIssueCredentialInput = z.object({
  /** Revoke every other live credential of the agent in the same step. */
  rotate: z.boolean().default(false),
  /**
   * With `rotate`: how long the old tokens keep working, so the agent's deployment can switch over.
   * 0 (the default) stops them at once, which is what a leaked token needs.
   */
  graceMinutes: z.coerce.number().int().min(0).max(MAX_ROTATION_GRACE_MINUTES).default(0),
  expiresInDays: z.coerce.number().int().min(1).max(3650).optional().nullable(),
});

/**
 * Issues a token for an agent. The token is returned this once; the store keeps its SCRAM
 * verifier. Rotating revokes the others, which ends sessions that used them within a second, or,
 * with a grace window, makes them expire at its end (the revocation watcher ends their sessions then).
 */
export async function issueCredential(context: AdminContext, options: { agentId: string; input: unknown }) {
  assertCan(context.actor, "policy:write");
  const input = parseInput(ZIssueCredentialInput, options.input ?? {});
  return context.db.$transaction(async (db) => {
    const agent = await db.agent.findUnique({
      where: { id: options.agentId },
      include: { memberships: { include: { group: true } } },
    });
    if (!agent) throw new AdminError("not_found", "no such agent");
    const graceEnd = new Date(Date.now() + input.graceMinutes * 60_000);
    const revoked = !input.rotate
      ? { count: 0 }
      : input.graceMinutes === 0
        ? await db.agentCredential.updateMany({
            where: { agentId: agent.id, revokedAt: null },
            data: { revokedAt: new Date() },
          })
        : await db.agentCredential.updateMany({
            // A credential that already expires sooner keeps its own, earlier end.
            where: {
              agentId: agent.id,
              revokedAt: null,
              OR: [{ expiresAt: null }, { expiresAt: { gt: graceEnd } }],
            },
            data: { expiresAt: graceEnd },
          });
    const expiresAt = input.expiresInDays
      ? new Date(Date.now() + input.expiresInDays * 86_400_000)
      : undefined;
    const { token, credential } = await issueAgentCredential(db, agent.id, expiresAt);
    await recordAudit(db, context.actor, {
      action: input.rotate ? "agent.credential.rotate" : "agent.credential.issue",
      targetType: "agent",
      targetId: agent.id,
      after: {
        credentialId: credential.id,
        fingerprint: credential.fingerprint,
        expiresAt,
        revokedOthers: revoked.count,
        ...(input.rotate ? { graceMinutes: input.graceMinutes } : {}),
      },
    });
    const groups = agent.memberships.map((link) => link.groupId);
    const connections = await db.connection.findMany({
      where: { isDisabled: false, access: { some: { groupId: { in: groups } } } },
      select: { name: true },
      orderBy: { name: "asc" },
    });
    return {
      agentName: agent.name,
      token,
      credential: { id: credential.id, fingerprint: credential.fingerprint, expiresAt: credential.expiresAt },
      connections: connections.map((connection) => connection.name),
    };
  });
}

/** Revokes one credential; sessions that authenticated with it end within a second. */
export async function revokeCredential(
  context: AdminContext,
  options: { agentId: string; credentialId: string },
) {
  assertCan(context.actor, "policy:write");
  await context.db.$transaction(async (db) => {
    const credential = await db.agentCredential.findFirst({
      where: { id: options.credentialId, agentId: options.agentId },
    });
    if (!credential) throw new AdminError("not_found", "no such credential");
    if (credential.revokedAt) return;
    await db.agentCredential.update({ where: { id: credential.id }, data: { revokedAt: new Date() } });
    await recordAudit(db, context.actor, {
      action: "agent.credential.revoke",
      targetType: "agent",
      targetId: options.agentId,
      before: { credentialId: credential.id, fingerprint: credential.fingerprint },
    });
  });
}
