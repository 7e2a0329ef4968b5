import type { PrismaClient } from "@sluice/db/prisma";
import type { LiveSession } from "@sluice/transport/client-connection";

/** What the store says is still allowed, for the sessions live on this gateway. */
export type StillAllowed = {
  /** Credentials not revoked or expired, of agents that exist and are enabled. */
  credentialIds: ReadonlySet<string>;
  /** `connectionId agentId` pairs: the connection exists, is enabled, and one of its groups holds the agent. */
  agentOnConnection: ReadonlySet<string>;
};

export type Revocation<S = LiveSession> = { session: S; reason: string };

/** What a revocation check needs of a session (the HTTP path's calls carry the same three ids). */
type Checked = Pick<LiveSession, "credentialId" | "connectionId" | "agentId">;

export const CREDENTIAL_REVOKED =
  "the agent's credential was revoked or the agent was disabled; the session was ended";
export const ACCESS_REVOKED =
  "the connection was disabled or removed, or the agent lost access to it; the session was ended";

/** Two queries per tick, whatever the number of sessions: one for credentials, one for access. */
export async function readStillAllowed(
  prisma: PrismaClient,
  sessions: readonly Checked[],
  /** The wire gateway watches Postgres and MySQL sessions; the HTTP path its own calls. */
  connectionTypes: ReadonlyArray<"POSTGRES" | "MYSQL" | "HTTP"> = ["POSTGRES", "MYSQL"],
): Promise<StillAllowed> {
  const credentialIds = [...new Set(sessions.map((session) => session.credentialId))];
  const connectionIds = [...new Set(sessions.map((session) => session.connectionId))];
  const agentIds = [...new Set(sessions.map((session) => session.agentId))];
  const [credentials, connections] = await Promise.all([
    prisma.agentCredential.findMany({
      where: {
        id: { in: credentialIds },
        revokedAt: null,
        OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }],
        agent: { isDisabled: false },
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
              select: { members: { where: { agentId: { in: agentIds } }, select: { agentId: true } } },
            },
          },
        },
      },
    }),
  ]);
  const agentOnConnection = new Set<string>();
  for (const connection of connections) {
    for (const access of connection.access) {
      for (const member of access.group.members)
        agentOnConnection.add(pairKey(connection.id, member.agentId));
    }
  }
  return { credentialIds: new Set(credentials.map((credential) => credential.id)), agentOnConnection };
}

/** The sessions the store no longer allows, each with the reason its client is told. */
export function findRevoked<S extends Checked>(
  sessions: readonly S[],
  allowed: StillAllowed,
): Revocation<S>[] {
  const revoked: Revocation<S>[] = [];
  for (const session of sessions) {
    if (!allowed.credentialIds.has(session.credentialId)) {
      revoked.push({ session, reason: CREDENTIAL_REVOKED });
    } else if (!allowed.agentOnConnection.has(pairKey(session.connectionId, session.agentId))) {
      revoked.push({ session, reason: ACCESS_REVOKED });
    }
  }
  return revoked;
}

function pairKey(connectionId: string, agentId: string): string {
  return `${connectionId} ${agentId}`;
}
