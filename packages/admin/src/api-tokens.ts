import type { PrismaClient } from "@sluice/db/prisma";
import { CONSOLE_ROLES, type ConsoleRole } from "@sluice/identity/roles-for-groups";
import { API_TOKEN_PREFIX, generateApiToken, hashApiToken, shownPrefix } from "@sluice/secrets/api-token";
import { z } from "zod";
import type { Actor, AdminContext } from "./actor";
import { AdminError, isUniqueViolation, parseInput } from "./admin-error";
import { assertCan, can } from "./permissions";
import { recordAudit } from "./record-audit";

export const ZApiTokenInput = z.object({
  name: z.string().trim().min(1, "required").max(100),
  role: z.enum(CONSOLE_ROLES),
  expiresInDays: z.coerce.number().int().min(1).max(365).default(90),
});
export type ApiTokenInput = z.output<typeof ZApiTokenInput>;

/**
 * Creates an API token that acts with one of its creator's roles. The token is returned once; the
 * store keeps its SHA-256.
 */
export async function createApiToken(context: AdminContext, options: { input: unknown }) {
  assertCan(context.actor, "tokens:own");
  const input = parseInput(ZApiTokenInput, options.input);
  const token = generateApiToken();
  const saved = await storeApiToken(context, {
    input,
    tokenHash: hashApiToken(token),
    prefix: shownPrefix(token),
  });
  return { token, ...saved };
}

/**
 * Stores a token's hash for the signed-in person, audited as `api_token.create`. Shared by the
 * console's form and `sluice login`'s approval, whose terminal holds the token itself.
 */
export async function storeApiToken(
  context: AdminContext,
  options: { input: ApiTokenInput; tokenHash: string; prefix: string; via?: string },
) {
  assertCan(context.actor, "tokens:own");
  if (context.actor.kind !== "USER") throw new AdminError("forbidden", "API tokens cannot create API tokens");
  const { input } = options;
  if (!context.actor.roles.includes(input.role)) {
    throw new AdminError("invalid", "some fields need attention", {
      role: "you can only grant a role you hold",
    });
  }
  try {
    return await context.db.$transaction(async (db) => {
      const saved = await db.apiToken.create({
        data: {
          name: input.name,
          role: input.role,
          userId: context.actor.userId,
          tokenHash: options.tokenHash,
          prefix: options.prefix,
          expiresAt: new Date(Date.now() + input.expiresInDays * 86_400_000),
        },
      });
      await recordAudit(db, context.actor, {
        action: "api_token.create",
        targetType: "api_token",
        targetId: saved.id,
        after: {
          name: saved.name,
          role: saved.role,
          prefix: saved.prefix,
          expiresAt: saved.expiresAt,
          ...(options.via ? { via: options.via } : {}),
        },
      });
      return {
        id: saved.id,
        name: saved.name,
        role: saved.role,
        prefix: saved.prefix,
        expiresAt: saved.expiresAt,
      };
    });
  } catch (error) {
    // Random tokens do not collide: only an approval link used twice stores a hash again.
    if (isUniqueViolation(error)) throw new AdminError("conflict", "this token was already approved");
    throw error;
  }
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
  if (!token.startsWith(API_TOKEN_PREFIX)) return null;
  const row = await db.apiToken.findUnique({
    where: { tokenHash: hashApiToken(token) },
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
