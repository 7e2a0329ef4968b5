import type { PrismaClient } from "@sluice/db/prisma";
import { WORKLOAD_CREDENTIAL } from "@sluice/session/directory";
import type { StillAllowed } from "./revocation-check";

/** What a revocation check needs of a session (the HTTP path's calls carry the same ids). */
export type CheckedSession = {
  credentialId: string;
  connectionId: string;
  agentId: string;
};

export type ConnectionType = "POSTGRES" | "MYSQL" | "HTTP";

/** Rows of REVOCATION_SQL: what each kind's `a` and `b` hold is said beside its SELECT. */
type FactRow = {
  kind: "credential" | "workload" | "group" | "member" | "agent-group" | "ended";
  a: string;
  b: string | null;
};

/**
 * Every fact a revocation tick reads, in one statement: a watcher ticks twice a second per worker,
 * and as four Prisma queries a tick cost the gateway 3 ms of CPU (bench/store-work-cost.ts). The
 * conditions are those of the Prisma queries it replaces, column for column (prisma/schema.prisma's
 * @map names). Times compare in the store's clock: TIMESTAMP(3) columns hold UTC.
 */
const REVOCATION_SQL = `
  -- a: a credential not revoked or expired, of an agent that is enabled
  SELECT 'credential' AS kind, c.id AS a, NULL::text AS b
    FROM agent_credentials c JOIN agents ag ON ag.id = c.agent_id
   WHERE c.id = ANY($1::text[]) AND c.revoked_at IS NULL
     AND (c.expires_at IS NULL OR c.expires_at > (now() AT TIME ZONE 'UTC'))
     AND NOT ag.is_disabled
  UNION ALL
  -- a: an enabled agent that still has a workload identity
  SELECT 'workload', ag.id, NULL
    FROM agents ag
   WHERE ag.id = ANY($2::text[]) AND NOT ag.is_disabled AND ag.workload_issuer IS NOT NULL
     AND ag.workload_audience IS NOT NULL AND ag.workload_subject IS NOT NULL
  UNION ALL
  -- a: an enabled connection of the watched types, b: a group it is open to
  SELECT 'group', cn.id, g.name
    FROM connections cn
    JOIN connection_access x ON x.connection_id = cn.id
    JOIN agent_groups g ON g.id = x.group_id
   WHERE cn.id = ANY($3::text[]) AND NOT cn.is_disabled AND cn.type::text = ANY($4::text[])
  UNION ALL
  -- a: such a connection, b: a watched agent in one of the groups it is open to
  SELECT 'member', cn.id, m.agent_id
    FROM connections cn
    JOIN connection_access x ON x.connection_id = cn.id
    JOIN agent_group_members m ON m.group_id = x.group_id
   WHERE cn.id = ANY($3::text[]) AND NOT cn.is_disabled AND cn.type::text = ANY($4::text[])
     AND m.agent_id = ANY($5::text[])
  UNION ALL
  -- a: a watched agent, b: a group it is a member of now
  SELECT 'agent-group', m.agent_id, g.name
    FROM agent_group_members m JOIN agent_groups g ON g.id = m.group_id
   WHERE m.agent_id = ANY($5::text[])
  UNION ALL
  -- a: a session whose row has ended (another gateway may have ended it)
  SELECT 'ended', s.id, NULL
    FROM gateway_sessions s
   WHERE s.id = ANY($6::text[]) AND s.ended_at IS NOT NULL`;

/**
 * What the store still allows for `sessions`, and which of `endedAmong` (session ids) have ended,
 * with one round trip.
 */
export async function readRevocationFacts(
  prisma: PrismaClient,
  sessions: readonly CheckedSession[],
  connectionTypes: readonly ConnectionType[],
  endedAmong: readonly string[] = [],
): Promise<{ allowed: StillAllowed; ended: ReadonlySet<string> }> {
  const unique = (values: string[]) => [...new Set(values)];
  const rows = await prisma.$queryRawUnsafe<FactRow[]>(
    REVOCATION_SQL,
    unique(sessions.map((session) => session.credentialId)),
    unique(
      sessions
        .filter((session) => session.credentialId === WORKLOAD_CREDENTIAL)
        .map((session) => session.agentId),
    ),
    unique(sessions.map((session) => session.connectionId)),
    [...connectionTypes],
    unique(sessions.map((session) => session.agentId)),
    unique([...endedAmong]),
  );
  const credentialIds = new Set<string>();
  const workloadAgentIds = new Set<string>();
  const agentOnConnection = new Set<string>();
  const connectionGroups = new Map<string, Set<string>>();
  const agentGroups = new Map<string, Set<string>>();
  const ended = new Set<string>();
  for (const { kind, a, b } of rows) {
    if (kind === "credential") credentialIds.add(a);
    else if (kind === "workload") workloadAgentIds.add(a);
    else if (kind === "group" && b !== null) {
      const groups = connectionGroups.get(a) ?? new Set<string>();
      connectionGroups.set(a, groups.add(b));
    } else if (kind === "member" && b !== null) agentOnConnection.add(connectionAgentKey(a, b));
    else if (kind === "agent-group" && b !== null) {
      const groups = agentGroups.get(a) ?? new Set<string>();
      agentGroups.set(a, groups.add(b));
    } else if (kind === "ended") ended.add(a);
  }
  return {
    allowed: { credentialIds, workloadAgentIds, agentOnConnection, connectionGroups, agentGroups },
    ended,
  };
}

/** The key of StillAllowed.agentOnConnection. */
export function connectionAgentKey(connectionId: string, agentId: string): string {
  return `${connectionId} ${agentId}`;
}
