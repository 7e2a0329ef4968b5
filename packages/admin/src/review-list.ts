import { z } from "zod";
import type { AdminContext } from "./actor";
import { parseInput } from "./admin-error";
import { assertCan } from "./permissions";

const PAGE_SIZE = 50;

export const ZReviewListQuery = z.object({
  /** pending: waiting now, oldest (closest to expiry) first; decided: newest decision first. */
  status: z.enum(["pending", "decided", "all"]).default("all"),
});

const INCLUDE = {
  agent: { select: { name: true } },
  connection: { select: { name: true } },
  rule: { select: { name: true } },
} as const;

/**
 * The reviewer's inbox: pending reviews first (oldest first, so the one expiring soonest is on top),
 * then decided ones by when they were decided, newest first (not grouped by outcome).
 */
export async function listReviews(context: AdminContext, options: { query?: unknown } = {}) {
  assertCan(context.actor, "reviews:read");
  const { status } = parseInput(ZReviewListQuery, options.query ?? {});
  const pending =
    status === "decided"
      ? []
      : await context.db.review.findMany({
          where: { status: "PENDING" },
          orderBy: { requestedAt: "asc" },
          take: PAGE_SIZE,
          include: INCLUDE,
        });
  const decided =
    status === "pending"
      ? []
      : await context.db.review.findMany({
          where: { status: { not: "PENDING" } },
          orderBy: [{ decidedAt: { sort: "desc", nulls: "last" } }, { requestedAt: "desc" }],
          take: PAGE_SIZE,
          include: INCLUDE,
        });
  return [...pending, ...decided].map(({ agent, connection, rule, ...row }) => ({
    id: row.id,
    number: row.number,
    status: row.status,
    statement: row.statement,
    requestedAt: row.requestedAt,
    expiresAt: row.expiresAt,
    decidedAt: row.decidedAt,
    executedAt: row.executedAt,
    agentName: agent.name,
    connectionName: connection.name,
    ruleName: rule?.name ?? null,
  }));
}
