import { z } from "zod";
import type { AdminContext } from "./actor";
import { parseInput } from "./admin-error";
import { auditFieldChanges } from "./audit-change";
import { auditTargetKey, resolveAuditTargets } from "./audit-targets";
import { assertCan } from "./permissions";
import { sessionNames } from "./session-names";

/** Pages are small so the audit log and session list stay fast with tens of thousands of rows. */
const PAGE_SIZE = 50;

export const ZAuditQuery = z.object({
  /** Keyset paging: events older than this id. */
  before: z.coerce.bigint().optional(),
  action: z.string().trim().max(100).optional(),
  /** Who acted: part of a person's email, an agent's or a token's name, case-insensitive. */
  actor: z.string().trim().max(200).optional(),
  targetType: z.string().trim().max(40).optional(),
});

export async function listAuditEvents(context: AdminContext, options: { query: unknown }) {
  assertCan(context.actor, "audit:read");
  const query = parseInput(ZAuditQuery, options.query);
  const rows = await context.db.auditEvent.findMany({
    where: {
      ...(query.before ? { id: { lt: query.before } } : {}),
      ...(query.action ? { action: { startsWith: query.action } } : {}),
      ...(query.actor ? { actorName: { contains: query.actor, mode: "insensitive" as const } } : {}),
      ...(query.targetType ? { targetType: query.targetType } : {}),
    },
    orderBy: { id: "desc" },
    take: PAGE_SIZE,
  });
  const targets = await resolveAuditTargets(context.db, rows);
  const events = rows.map((row) => ({
    ...row,
    id: row.id.toString(),
    target:
      row.targetType && row.targetId
        ? (targets.get(auditTargetKey(row.targetType, row.targetId)) ?? { name: row.targetId, href: null })
        : null,
    changes: row.before !== null || row.after !== null ? auditFieldChanges(row.before, row.after) : [],
  }));
  return { events, next: rows.length === PAGE_SIZE ? (events.at(-1)?.id ?? null) : null };
}

export const ZSessionQuery = z.object({
  /** Keyset paging: sessions that started before this instant. */
  before: z.string().datetime().optional(),
  agent: z.string().trim().max(63).optional(),
  connection: z.string().trim().max(63).optional(),
  from: z.string().datetime({ local: true, offset: true }).optional(),
  to: z.string().datetime({ local: true, offset: true }).optional(),
  /** Sessions with at least one statement denied, held or masked. */
  verdict: z.enum(["denied", "held", "masked"]).optional(),
  /** A table the session touched: `customers` or `public.customers`. */
  table: z.string().trim().max(200).optional(),
});

export async function listSessions(context: AdminContext, options: { query: unknown }) {
  assertCan(context.actor, "sessions:read");
  const query = parseInput(ZSessionQuery, options.query);
  const rows = await context.db.gatewaySession.findMany({
    where: {
      startedAt: {
        ...(query.before ? { lt: new Date(query.before) } : {}),
        ...(query.to && !query.before ? { lt: new Date(query.to) } : {}),
        ...(query.from ? { gte: new Date(query.from) } : {}),
      },
      // Part of a name, any case: an auditor rarely remembers an agent's exact spelling.
      // A refused attempt is found by the names the client gave, whether or not they exist.
      AND: [
        ...(query.agent ? [nameFilter("agent", "claimedAgent", query.agent)] : []),
        ...(query.connection ? [nameFilter("connection", "claimedConnection", query.connection)] : []),
      ],
      ...(query.verdict === "denied" ? { deniedCount: { gt: 0 } } : {}),
      ...(query.verdict === "held" ? { heldCount: { gt: 0 } } : {}),
      ...(query.verdict === "masked" ? { maskedCount: { gt: 0 } } : {}),
      ...(query.table ? { tablesTouched: { has: query.table } } : {}),
    },
    orderBy: { startedAt: "desc" },
    take: PAGE_SIZE,
    include: { agent: { select: { name: true } }, connection: { select: { name: true } } },
  });
  return {
    sessions: rows.map(({ agent, connection, ...row }) => ({
      ...row,
      ...sessionNames({ agent, connection, ...row }),
    })),
    next: rows.length === PAGE_SIZE ? (rows.at(-1)?.startedAt.toISOString() ?? null) : null,
  };
}

/** Sessions whose agent (or connection) name, or the name a refused attempt gave, contains `part`. */
function nameFilter(
  relation: "agent" | "connection",
  claimed: "claimedAgent" | "claimedConnection",
  part: string,
) {
  const contains = { contains: part, mode: "insensitive" as const };
  return { OR: [{ [relation]: { name: contains } }, { [claimed]: contains }] };
}

/** Reviews for the reviewer's inbox: pending first, then the most recent decisions. */
/** How many held statements wait on a decision: the inbox badge a reviewer sees on every page. */
export async function countPendingReviews(context: AdminContext): Promise<{ pending: number }> {
  assertCan(context.actor, "reviews:read");
  const pending = await context.db.review.count({
    where: { status: "PENDING", expiresAt: { gt: new Date() } },
  });
  return { pending };
}

/** Daily counts for the dashboard's charts, over the last `days` days (UTC). */
export async function dashboardStats(context: AdminContext, options: { days?: number } = {}) {
  assertCan(context.actor, "dashboard:read");
  const days = Math.min(Math.max(options.days ?? 14, 1), 90);
  const rows = await context.db.$queryRawUnsafe<
    { day: Date; sessions: bigint; statements: bigint; denied: bigint; held: bigint; masked: bigint }[]
  >(
    `SELECT d.day, count(s.id) AS sessions, coalesce(sum(s.statement_count), 0)::int8 AS statements,
            coalesce(sum(s.denied_count), 0)::int8 AS denied, coalesce(sum(s.held_count), 0)::int8 AS held,
            coalesce(sum(s.masked_count), 0)::int8 AS masked
     FROM generate_series(date_trunc('day', now() AT TIME ZONE 'UTC') - ($1::int - 1) * interval '1 day',
                          date_trunc('day', now() AT TIME ZONE 'UTC'), interval '1 day') AS d(day)
     LEFT JOIN gateway_sessions s ON s.started_at >= d.day AND s.started_at < d.day + interval '1 day'
     GROUP BY d.day ORDER BY d.day`,
    days,
  );
  return rows.map((row) => ({
    day: row.day.toISOString().slice(0, 10),
    sessions: Number(row.sessions),
    statements: Number(row.statements),
    denied: Number(row.denied),
    held: Number(row.held),
    masked: Number(row.masked),
  }));
}
