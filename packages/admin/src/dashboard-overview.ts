import { dashboardStats } from "./activity";
import type { AdminContext } from "./actor";
import { assertCan, can } from "./permissions";

/** A gateway that has not said it is alive for this long is shown as gone (heartbeats come every few seconds). */
const ALIVE_WITHIN_SECONDS = 30;
const TOP = 5;

type Count = { name: string; count: number };

/**
 * Everything the dashboard shows beyond the daily series: who and what is busiest, which rules
 * refuse most, what waits for a reviewer, the latest denials, and whether gateways are alive. Each
 * part is only read for a role that may see it (a reviewer gets pending reviews and health, not
 * other agents' statements); the same day window as the series.
 */
export async function dashboardOverview(context: AdminContext, options: { days?: number } = {}) {
  assertCan(context.actor, "dashboard:read");
  const days = Math.min(Math.max(options.days ?? 14, 1), 90);
  const since = new Date(Date.now() - days * 86_400_000);
  const canSeeSessions = can(context.actor, "sessions:read");
  const canSeeAudit = can(context.actor, "audit:read");
  const canSeeReviews = can(context.actor, "reviews:read");
  const [series, topAgents, topTables, topRules, recentDenials, pendingReviews, health] = await Promise.all([
    dashboardStats(context, { days }),
    canSeeSessions ? topAgentsSince(context, since) : null,
    canSeeSessions ? topTablesSince(context, since) : null,
    canSeeAudit ? topRulesSince(context, since) : null,
    canSeeAudit ? latestDenials(context) : null,
    canSeeReviews ? pendingReviewList(context) : null,
    gatewayHealth(context),
  ]);
  return { days: series, topAgents, topTables, topRules, recentDenials, pendingReviews, health };
}

async function topAgentsSince(context: AdminContext, since: Date) {
  const rows = await context.db.$queryRawUnsafe<
    { name: string; sessions: bigint; statements: bigint; denied: bigint }[]
  >(
    `SELECT a.name, count(*) AS sessions, coalesce(sum(s.statement_count), 0)::int8 AS statements,
            coalesce(sum(s.denied_count), 0)::int8 AS denied
     FROM gateway_sessions s JOIN agents a ON a.id = s.agent_id
     WHERE s.started_at >= $1 GROUP BY a.name ORDER BY sessions DESC, a.name LIMIT ${TOP}`,
    since,
  );
  return rows.map((row) => ({
    name: row.name,
    sessions: Number(row.sessions),
    statements: Number(row.statements),
    denied: Number(row.denied),
  }));
}

async function topTablesSince(context: AdminContext, since: Date): Promise<Count[]> {
  const rows = await context.db.$queryRawUnsafe<{ name: string; count: bigint }[]>(
    `SELECT t.name, count(*) AS count FROM gateway_sessions s, unnest(s.tables_touched) AS t(name)
     WHERE s.started_at >= $1 GROUP BY t.name ORDER BY count DESC, t.name LIMIT ${TOP}`,
    since,
  );
  return rows.map((row) => ({ name: row.name, count: Number(row.count) }));
}

async function topRulesSince(context: AdminContext, since: Date): Promise<Count[]> {
  const rows = await context.db.$queryRawUnsafe<{ name: string | null; count: bigint }[]>(
    `SELECT metadata->>'rule' AS name, count(*) AS count FROM audit_events
     WHERE action = 'statement.denied' AND at >= $1 GROUP BY 1 ORDER BY count DESC, 1 LIMIT ${TOP}`,
    since,
  );
  return rows.map((row) => ({ name: row.name ?? "(unnamed)", count: Number(row.count) }));
}

async function latestDenials(context: AdminContext) {
  const rows = await context.db.auditEvent.findMany({
    where: { action: "statement.denied" },
    orderBy: { id: "desc" },
    take: TOP,
  });
  return rows.map((row) => {
    const metadata = (row.metadata ?? {}) as { rule?: string; statement?: string };
    return {
      id: row.id.toString(),
      at: row.at,
      agentName: row.actorName,
      rule: metadata.rule ?? null,
      statement: (metadata.statement ?? "").slice(0, 200),
      sessionId: row.sessionId,
    };
  });
}

async function pendingReviewList(context: AdminContext) {
  const where = { status: "PENDING" as const, expiresAt: { gt: new Date() } };
  const [count, oldest] = await Promise.all([
    context.db.review.count({ where }),
    context.db.review.findMany({
      where,
      orderBy: { requestedAt: "asc" },
      take: TOP,
      include: { agent: { select: { name: true } }, connection: { select: { name: true } } },
    }),
  ]);
  return {
    count,
    oldest: oldest.map((review) => ({
      id: review.id,
      number: review.number,
      agentName: review.agent.name,
      connectionName: review.connection.name,
      expiresAt: review.expiresAt,
    })),
  };
}

/**
 * Gateways alive by their heartbeats (the store's clock), and sessions open on them. Reading this
 * at all proves the store is reachable from the console; the page says so when the request fails.
 */
async function gatewayHealth(context: AdminContext) {
  const rows = await context.db.$queryRawUnsafe<
    { gateway_id: string; seen_at: Date; seconds_ago: number; open: bigint }[]
  >(
    `SELECT h.gateway_id, h.seen_at, extract(epoch FROM now() - h.seen_at)::float8 AS seconds_ago,
            (SELECT count(*) FROM gateway_sessions s WHERE s.gateway_id = h.gateway_id AND s.ended_at IS NULL) AS open
     FROM gateway_heartbeats h ORDER BY h.seen_at DESC LIMIT 20`,
  );
  return {
    checkedAt: new Date(),
    gateways: rows.map((row) => ({
      id: row.gateway_id,
      seenAt: row.seen_at,
      isAlive: row.seconds_ago <= ALIVE_WITHIN_SECONDS,
      openSessions: Number(row.open),
    })),
  };
}
