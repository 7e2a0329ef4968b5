import type { PrismaClient } from "@sluice/db/prisma";
import { WORKLOAD_CREDENTIAL } from "@sluice/session/directory";
import type { LiveSession } from "@sluice/transport/client-connection";
import { type ConnectionType, connectionAgentKey, readRevocationFacts } from "./revocation-query";

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
  /** agentId → the groups it is a member of now (an agent in none is absent). */
  agentGroups?: ReadonlyMap<string, ReadonlySet<string>>;
};

export type Revocation<S = LiveSession> = { session: S; reason: string };

/** What a revocation check needs of a session (the HTTP path's calls carry the same three ids). */
type Checked = Pick<
  LiveSession,
  "credentialId" | "connectionId" | "agentId" | "tokenGroups" | "tokenExpiresAt"
> & { loginGroups?: readonly string[] | undefined };

export const CREDENTIAL_REVOKED =
  "the agent's credential was revoked or the agent was disabled; the session was ended";
export const TOKEN_EXPIRED =
  "the workload token this session signed in with expired; the session was ended: connect again with a fresh token";
export const GROUPS_CHANGED =
  "the agent's group membership changed (its masking exemptions and reviews follow its groups); the session was ended: connect again";
export const ACCESS_REVOKED =
  "the connection was disabled or removed, or the agent lost access to it; the session was ended";

/** One query per tick, whatever the number of sessions (revocation-query.ts). */
export async function readStillAllowed(
  prisma: PrismaClient,
  sessions: readonly Checked[],
  /** The wire gateway watches Postgres and MySQL sessions; the HTTP path its own calls. */
  connectionTypes: readonly ConnectionType[] = ["POSTGRES", "MYSQL"],
): Promise<StillAllowed> {
  return (await readRevocationFacts(prisma, sessions, connectionTypes)).allowed;
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
    } else if (haveGroupsChanged(session, allowed)) {
      revoked.push({ session, reason: GROUPS_CHANGED });
    }
  }
  return revoked;
}

/**
 * Whether the groups a session was opened with are no longer the agent's: a session captures them
 * at login, and a group that exempted it from masking must not outlive the agent's removal from it.
 * A workload token's groups stay the session's whatever the store says. Only checked when the
 * session says its groups and the store's answer lists memberships.
 */
function haveGroupsChanged(session: Checked, allowed: StillAllowed): boolean {
  if (!session.loginGroups || !allowed.agentGroups) return false;
  const now = new Set([...(allowed.agentGroups.get(session.agentId) ?? []), ...(session.tokenGroups ?? [])]);
  const opened = new Set(session.loginGroups);
  return now.size !== opened.size || [...now].some((group) => !opened.has(group));
}

function hasAccess(session: Checked, allowed: StillAllowed): boolean {
  if (allowed.agentOnConnection.has(connectionAgentKey(session.connectionId, session.agentId))) return true;
  const open = allowed.connectionGroups.get(session.connectionId);
  return open !== undefined && (session.tokenGroups ?? []).some((group) => open.has(group));
}
