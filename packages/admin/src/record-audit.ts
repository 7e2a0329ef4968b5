import type { DbClient } from "@sluice/db/prisma";
import type { Actor } from "./actor";

/** Field names whose values never enter an audit event, whatever the record. */
const SECRET_FIELDS = new Set(["passwordCipher", "password", "tokenHash", "scramVerifier", "clientSecret"]);

export type AuditChange = {
  action: string;
  targetType: string;
  targetId?: string | null;
  before?: unknown;
  after?: unknown;
  metadata?: Record<string, unknown>;
};

/** Writes one audit event in the caller's transaction, so a change and its record land together. */
export async function recordAudit(db: DbClient, actor: Actor, change: AuditChange): Promise<void> {
  await db.auditEvent.create({
    data: {
      actorType: actor.kind,
      actorId: actor.tokenId ?? actor.userId,
      actorName: actor.name,
      action: change.action,
      targetType: change.targetType,
      targetId: change.targetId ?? null,
      before: change.before === undefined ? undefined : (redactSecrets(change.before) as object),
      after: change.after === undefined ? undefined : (redactSecrets(change.after) as object),
      metadata: (change.metadata ?? {}) as object,
    },
  });
}

/** A deep copy with secret fields replaced by whether they were set; Dates become ISO strings. */
export function redactSecrets(value: unknown): unknown {
  if (value === null || value === undefined) return value ?? null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) {
      out[key] = SECRET_FIELDS.has(key) ? (field ? "[set]" : null) : redactSecrets(field);
    }
    return out;
  }
  return value;
}
