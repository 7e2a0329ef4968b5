import type { DbClient } from "@sluice/db/prisma";

/** What an audit event's target reads as, and where the console shows it (null: no page of its own). */
export type AuditTarget = { name: string; href: string | null };

type Lookup = (db: DbClient, ids: string[]) => Promise<Map<string, AuditTarget>>;

const named = (rows: { id: string; name: string }[], href: string): Map<string, AuditTarget> =>
  new Map(rows.map((row) => [row.id, { name: row.name, href }]));
const ID_AND_NAME = { id: true, name: true } as const;

/**
 * Per target type: how to name it. Deleted objects are not found and keep their id; the event's
 * before-image still says what they were.
 */
const LOOKUPS: Record<string, Lookup> = {
  connection: async (db, ids) =>
    named(await db.connection.findMany({ where: { id: { in: ids } }, select: ID_AND_NAME }), "/connections"),
  agent: async (db, ids) =>
    named(await db.agent.findMany({ where: { id: { in: ids } }, select: ID_AND_NAME }), "/agents"),
  guardrail: async (db, ids) =>
    named(
      await db.guardrailRule.findMany({ where: { id: { in: ids } }, select: ID_AND_NAME }),
      "/guardrails",
    ),
  masking_rule: async (db, ids) =>
    named(await db.maskingRule.findMany({ where: { id: { in: ids } }, select: ID_AND_NAME }), "/masking"),
  review_rule: async (db, ids) =>
    named(await db.reviewRule.findMany({ where: { id: { in: ids } }, select: ID_AND_NAME }), "/review-rules"),
  reviewer_group: async (db, ids) =>
    named(
      await db.reviewerGroup.findMany({ where: { id: { in: ids } }, select: ID_AND_NAME }),
      "/review-rules",
    ),
  api_token: async (db, ids) =>
    named(await db.apiToken.findMany({ where: { id: { in: ids } }, select: ID_AND_NAME }), "/api-tokens"),
  role_mapping: async (db, ids) => {
    const rows = await db.roleMapping.findMany({ where: { id: { in: ids } } });
    return new Map(
      rows.map((row) => [row.id, { name: `${row.idpGroup} → ${row.role.toLowerCase()}`, href: "/people" }]),
    );
  },
  user: async (db, ids) => {
    const rows = await db.user.findMany({ where: { id: { in: ids } }, select: { id: true, email: true } });
    return new Map(rows.map((row) => [row.id, { name: row.email, href: "/people" }]));
  },
  review: async (db, ids) => {
    const rows = await db.review.findMany({ where: { id: { in: ids } }, select: { id: true, number: true } });
    return new Map(rows.map((row) => [row.id, { name: `R-${row.number}`, href: `/reviews/${row.id}` }]));
  },
  session: async (_db, ids) =>
    new Map(ids.map((id) => [id, { name: `session ${id.slice(0, 8)}`, href: `/sessions/${id}` }])),
};

/** Names (and console links) for the targets of a page of audit events, one query per target type. */
export async function resolveAuditTargets(
  db: DbClient,
  events: { targetType: string | null; targetId: string | null }[],
): Promise<Map<string, AuditTarget>> {
  const idsByType = new Map<string, Set<string>>();
  for (const event of events) {
    if (!event.targetType || !event.targetId || !LOOKUPS[event.targetType]) continue;
    const ids = idsByType.get(event.targetType) ?? new Set<string>();
    ids.add(event.targetId);
    idsByType.set(event.targetType, ids);
  }
  const resolved = new Map<string, AuditTarget>();
  await Promise.all(
    [...idsByType].map(async ([type, ids]) => {
      const found = await (LOOKUPS[type] as Lookup)(db, [...ids]);
      for (const [id, target] of found) resolved.set(auditTargetKey(type, id), target);
    }),
  );
  return resolved;
}

export function auditTargetKey(type: string, id: string): string {
  return `${type}:${id}`;
}
