import type { AdminContext } from "./actor";
import { AdminError } from "./admin-error";
import { assertCan } from "./permissions";

/** The agent page shows recent work at a glance; the sessions list (filtered by agent) has the rest. */
const RECENT_SESSIONS = 20;
const RECENT_DENIALS = 10;
/** Totals cover a fixed window so the page stays fast for an agent with years of sessions. */
const TOTALS_DAYS = 30;

export type AgentActivityOptions = { agentId: string; now?: Date };

/**
 * What one agent did: its latest sessions (live ones first in time order), totals over the last
 * 30 days, its latest denied statements and when it was last seen. Denials are found through the
 * agent's sessions, not its name, so renaming an agent keeps its history.
 */
export async function agentActivity(context: AdminContext, options: AgentActivityOptions) {
  assertCan(context.actor, "sessions:read");
  const now = options.now ?? new Date();
  const agent = await context.db.agent.findUnique({
    where: { id: options.agentId },
    select: { id: true, name: true, credentials: { select: { lastUsedAt: true } } },
  });
  if (!agent) throw new AdminError("not_found", "no such agent");
  const since = new Date(now.getTime() - TOTALS_DAYS * 86_400_000);
  const [sessions, totals, denials] = await Promise.all([
    context.db.gatewaySession.findMany({
      where: { agentId: agent.id },
      orderBy: { startedAt: "desc" },
      take: RECENT_SESSIONS,
      include: { connection: { select: { name: true } } },
    }),
    context.db.gatewaySession.aggregate({
      where: { agentId: agent.id, startedAt: { gte: since } },
      _count: { _all: true },
      _sum: { statementCount: true, deniedCount: true, heldCount: true, maskedCount: true },
    }),
    context.db.$queryRawUnsafe<
      {
        id: bigint;
        at: Date;
        session_id: string;
        rule: string | null;
        message: string | null;
        statement: string | null;
      }[]
    >(
      `SELECT a.id, a.at, a.session_id, a.metadata->>'rule' AS rule, a.metadata->>'message' AS message,
              left(a.metadata->>'statement', 200) AS statement
       FROM audit_events a JOIN gateway_sessions s ON s.id = a.session_id
       WHERE a.action = 'statement.denied' AND s.agent_id = $1
       ORDER BY a.id DESC LIMIT ${RECENT_DENIALS}`,
      agent.id,
    ),
  ]);
  const live = sessions.filter((session) => session.endedAt === null);
  return {
    agentId: agent.id,
    agentName: agent.name,
    lastSeenAt: lastSeen(now, live.length > 0, [
      ...sessions.map((session) => session.endedAt ?? session.startedAt),
      ...agent.credentials.map((credential) => credential.lastUsedAt),
    ]),
    liveSessions: live.length,
    totals: {
      days: TOTALS_DAYS,
      sessions: totals._count._all,
      statements: totals._sum.statementCount ?? 0,
      denied: totals._sum.deniedCount ?? 0,
      held: totals._sum.heldCount ?? 0,
      masked: totals._sum.maskedCount ?? 0,
    },
    sessions: sessions.map(({ connection, ...session }) => ({
      id: session.id,
      connectionName: connection.name,
      clientAddress: session.clientAddress,
      startedAt: session.startedAt,
      endedAt: session.endedAt,
      endReason: session.endReason,
      statementCount: session.statementCount,
      deniedCount: session.deniedCount,
      heldCount: session.heldCount,
      maskedCount: session.maskedCount,
    })),
    denials: denials.map((row) => ({
      id: row.id.toString(),
      at: row.at,
      sessionId: row.session_id,
      rule: row.rule,
      message: row.message,
      statement: row.statement ?? "",
    })),
  };
}
export type AgentActivity = Awaited<ReturnType<typeof agentActivity>>;

/** A live session means the agent is here now; otherwise the latest instant anything shows it. */
function lastSeen(now: Date, isLive: boolean, instants: (Date | null)[]): Date | null {
  if (isLive) return now;
  const times = instants.filter((at): at is Date => at !== null).map((at) => at.getTime());
  return times.length > 0 ? new Date(Math.max(...times)) : null;
}
