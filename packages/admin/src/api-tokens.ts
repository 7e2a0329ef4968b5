import { createHash, randomBytes } from "node:crypto";
import type { PrismaClient } from "@sluice/db/prisma";
import { CONSOLE_ROLES, type ConsoleRole } from "@sluice/identity/roles-for-groups";
import { z } from "zod";
import type { Actor, AdminContext } from "./actor";
import { AdminError, parseInput } from "./admin-error";
import { assertCan, can } from "./permissions";
import { recordAudit } from "./record-audit";

/** Recognisable in logs and secret scanners; 32 random bytes after it. */
const TOKEN_PREFIX = "slt_";

export const ZApiTokenInput = z.object({
  name: z.string().trim().min(1, "required").max(100),
  role: z.enum(CONSOLE_ROLES),
  expiresInDays: z.coerce.number().int().min(1).max(365).default(90),
});

function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/**
 * Creates an API token that acts with one of its creator's roles. The token is returned once; the
 * store keeps its SHA-256 (tokens are random, so a slow hash adds nothing).
 */
export async function createApiToken(context: AdminContext, options: { input: unknown }) {
  assertCan(context.actor, "tokens:own");
  if (context.actor.kind !== "USER") throw new AdminError("forbidden", "API tokens cannot create API tokens");
  const input = parseInput(ZApiTokenInput, options.input);
  if (!context.actor.roles.includes(input.role)) {
    throw new AdminError("invalid", "some fields need attention", {
      role: "you can only grant a role you hold",
    });
  }
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
  return context.db.$transaction(async (db) => {
    const saved = await db.apiToken.create({
      data: {
        name: input.name,
        role: input.role,
        userId: context.actor.userId,
        tokenHash: hashToken(token),
        prefix: token.slice(0, TOKEN_PREFIX.length + 6),
        expiresAt: new Date(Date.now() + input.expiresInDays * 86_400_000),
      },
    });
    await recordAudit(db, context.actor, {
      action: "api_token.create",
      targetType: "api_token",
      targetId: saved.id,
      after: { name: saved.name, role: saved.role, prefix: saved.prefix, expiresAt: saved.expiresAt },
    });
    return {
      token,
      id: saved.id,
      name: saved.name,
      role: saved.role,
      prefix: saved.prefix,
      expiresAt: saved.expiresAt,
    };
  });
}

/** Your own tokens; admins see everyone's. */
export async function listApiTokens(context: AdminContext) {
  assertCan(context.actor, "tokens:own");
  return context.db.apiToken.findMany({
    where: can(context.actor, "users:read") ? {} : { userId: context.actor.userId },
    orderBy: { createdAt: "desc" },
    select: {
      id: true,
      name: true,
      role: true,
      prefix: true,
      createdAt: true,
      expiresAt: true,
      revokedAt: true,
      lastUsedAt: true,
      user: { select: { email: true } },
    },
  });
}

export async function revokeApiToken(context: AdminContext, options: { id: string }) {
  assertCan(context.actor, "tokens:own");
  await context.db.$transaction(async (db) => {
    const token = await db.apiToken.findUnique({ where: { id: options.id } });
    const isMine = token?.userId === context.actor.userId;
    if (!token || (!isMine && !can(context.actor, "users:write")))
      throw new AdminError("not_found", "no such API token");
    if (token.revokedAt) return;
    await db.apiToken.update({ where: { id: token.id }, data: { revokedAt: new Date() } });
    await recordAudit(db, context.actor, {
      action: "api_token.revoke",
      targetType: "api_token",
      targetId: token.id,
      before: { name: token.name, role: token.role, prefix: token.prefix },
    });
  });
}

/**
 * The actor behind a bearer token, or null. The token acts with its role only while its owner
 * still holds that role and is not disabled.
 */
export async function authenticateApiToken(db: PrismaClient, token: string): Promise<Actor | null> {
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  const row = await db.apiToken.findUnique({
    where: { tokenHash: hashToken(token) },
    include: { user: true },
  });
  if (!row || row.revokedAt || (row.expiresAt && row.expiresAt < new Date())) return null;
  if (row.user.isDisabled || !row.user.roles.includes(row.role)) return null;
  // Last-use time is informative; a lost update under concurrency is fine.
  void db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } }).catch(() => {});
  return {
    kind: "API_TOKEN",
    userId: row.userId,
    tokenId: row.id,
    name: `${row.user.email} (token ${row.name})`,
    roles: [row.role as ConsoleRole],
  };
}

/** The actor behind a console session, or null when the person is gone or disabled. */
export async function actorForUser(db: PrismaClient, userId: string): Promise<Actor | null> {
  const user = await db.user.findUnique({ where: { id: userId } });
  if (!user || user.isDisabled || user.roles.length === 0) return null;
  return { kind: "USER", userId: user.id, name: user.email, roles: user.roles as ConsoleRole[] };
}
