import type { PrismaClient } from "@sluice/db/prisma";
import { WORKLOAD_CREDENTIAL } from "@sluice/session/directory";
import type { LiveSession } from "@sluice/transport/client-connection";

/** What the store says is still allowed, for the sessions live on this gateway. */
export type StillAllowed = {
  /** Credentials not revoked or expired, of agents that exist and are enabled. */
  credentialIds: ReadonlySet<string>;
  /** Enabled agents that still have a workload identity: their workload-token sessions stay. */
  workloadAgentIds: ReadonlySet<string>;
  /** `connectionId agentId` pairs: the connection exists, is enabled, and one of its groups holds the agent. */
  agentOnConnection: ReadonlySet<string>;
  /** connectionId → the group names it is open to, for sessions whose groups came from a token. */
  connectionGroups: ReadonlyMap<string, ReadonlySet<string>>;
};

export type Revocation<S = LiveSession> = { session: S; reason: string };

/** What a revocation check needs of a session (the HTTP path's calls carry the same three ids). */
type Checked = Pick<
  LiveSession,
  "credentialId" | "connectionId" | "agentId" | "tokenGroups" | "tokenExpiresAt"
>;

export const CREDENTIAL_REVOKED =
  "the agent's credential was revoked or the agent was disabled; the session was ended";
export const TOKEN_EXPIRED =
  "the workload token this session signed in with expired; the session was ended: connect again with a fresh token";
export const ACCESS_REVOKED =
  "the connection was disabled or removed, or the agent lost access to it; the session was ended";

/** Three queries per tick, whatever the number of sessions: credentials, workload agents, access. */
export async function readStillAllowed(
  prisma: PrismaClient,
  sessions: readonly Checked[],
  /** The wire gateway watches Postgres and MySQL sessions; the HTTP path its own calls. */
  connectionTypes: ReadonlyArray<"POSTGRES" | "MYSQL" | "HTTP"> = ["POSTGRES", "MYSQL"],
): Promise<StillAllowed> {
  const credentialIds = [...new Set(sessions.map((session) => session.credentialId))];
  const connectionIds = [...new Set(sessions.map((session) => session.connectionId))];
  const agentIds = [...new Set(sessions.map((session) => session.agentId))];
  const workloadSessionAgents = [
    ...new Set(
      sessions.filter((session) => session.credentialId === WORKLOAD_CREDENTIAL).map((s) => s.agentId),
    ),
  ];
  const [credentials, workloadAgents, connections] = await Promise.all([
    prisma.agentCredential.findMany({
      where: {
        id: { in: credentialIds },
        revokedAt: null,
        OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }],
        agent: { isDisabled: false },
      },
      select: { id: true },
    }),
    prisma.agent.findMany({
      where: {
        id: { in: workloadSessionAgents },
        isDisabled: false,
        workloadIssuer: { not: null },
        workloadAudience: { not: null },
        workloadSubject: { not: null },
      },
      select: { id: true },
    }),
    prisma.connection.findMany({
      where: { id: { in: connectionIds }, isDisabled: false, type: { in: [...connectionTypes] } },
      select: {
        id: true,
        access: {
          select: {
            group: {
              select: {
                name: true,
                members: { where: { agentId: { in: agentIds } }, select: { agentId: true } },
              },
            },
          },
        },
      },
    }),
  ]);
  const agentOnConnection = new Set<string>();
  const connectionGroups = new Map<string, Set<string>>();
  for (const connection of connections) {
    connectionGroups.set(connection.id, new Set(connection.access.map((access) => access.group.name)));
    for (const access of connection.access) {
      for (const member of access.group.members)
        agentOnConnection.add(pairKey(connection.id, member.agentId));
    }
  }
  return {
    credentialIds: new Set(credentials.map((credential) => credential.id)),
    workloadAgentIds: new Set(workloadAgents.map((agent) => agent.id)),
    agentOnConnection,
    connectionGroups,
  };
}

/** The sessions the store no longer allows, each with the reason its client is told. */
export function findRevoked<S extends Checked>(
  sessions: readonly S[],
  allowed: StillAllowed,
  now = Date.now(),
): Revocation<S>[] {
  const revoked: Revocation<S>[] = [];
  for (const session of sessions) {
    // A token's expiry is its own revocation: no store change announces it.
    if (session.tokenExpiresAt && session.tokenExpiresAt.getTime() <= now) {
      revoked.push({ session, reason: TOKEN_EXPIRED });
      continue;
    }
    const isCredentialLive =
      session.credentialId === WORKLOAD_CREDENTIAL
        ? allowed.workloadAgentIds.has(session.agentId)
        : allowed.credentialIds.has(session.credentialId);
    if (!isCredentialLive) {
      revoked.push({ session, reason: CREDENTIAL_REVOKED });
    } else if (!hasAccess(session, allowed)) {
      revoked.push({ session, reason: ACCESS_REVOKED });
    }
  }
  return revoked;
}

function hasAccess(session: Checked, allowed: StillAllowed): boolean {
  if (allowed.agentOnConnection.has(pairKey(session.connectionId, session.agentId))) return true;
  const open = allowed.connectionGroups.get(session.connectionId);
  return open !== undefined && (session.tokenGroups ?? []).some((group) => open.has(group));
}

function pairKey(connectionId: string, agentId: string): string {
  return `${connectionId} ${agentId}`;
}
