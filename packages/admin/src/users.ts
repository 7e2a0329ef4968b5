import type { PrismaClient } from "@sluice/db/prisma";
import {
  CONSOLE_ROLES,
  type ConsoleRole,
  parseGroupsClaim,
  rolesForGroups,
} from "@sluice/identity/roles-for-groups";
import { z } from "zod";
import type { AdminContext } from "./actor";
import { AdminError, isUniqueViolation, parseInput } from "./admin-error";
import { assertCan } from "./permissions";
import { recordAudit } from "./record-audit";

export type SignInClaims = {
  issuer: string;
  subject: string;
  email: string;
  name?: string | null;
  groups: unknown;
};

/**
 * Records a sign-in: the user row is created or refreshed with the groups claim, and the roles are
 * derived again from the role mappings, so removing someone from an IdP group takes effect at their
 * next sign-in. Returns null when the person holds no role or is disabled (sign-in is refused).
 */
export async function recordSignIn(db: PrismaClient, claims: SignInClaims) {
  const groups = parseGroupsClaim(claims.groups);
  return db.$transaction(async (tx) => {
    const mappings = await tx.roleMapping.findMany();
    const roles = rolesForGroups(groups, mappings as { idpGroup: string; role: ConsoleRole }[]);
    const user = await tx.user.upsert({
      where: { issuer_subject: { issuer: claims.issuer, subject: claims.subject } },
      update: {
        email: claims.email,
        name: claims.name ?? null,
        idpGroups: groups,
        roles,
        lastLoginAt: new Date(),
      },
      create: {
        issuer: claims.issuer,
        subject: claims.subject,
        email: claims.email,
        name: claims.name ?? null,
        idpGroups: groups,
        roles,
        lastLoginAt: new Date(),
      },
    });
    const isAllowed = roles.length > 0 && !user.isDisabled;
    await tx.auditEvent.create({
      data: {
        actorType: "USER",
        actorId: user.id,
        actorName: user.email,
        action: isAllowed ? "user.sign_in" : "user.sign_in_refused",
        targetType: "user",
        targetId: user.id,
        metadata: {
          groups,
          roles,
          ...(user.isDisabled ? { reason: "disabled" } : roles.length ? {} : { reason: "no role" }),
        },
      },
    });
    return isAllowed ? user : null;
  });
}

export async function listUsers(context: AdminContext) {
  assertCan(context.actor, "users:read");
  return context.db.user.findMany({
    orderBy: { email: "asc" },
    select: {
      id: true,
      email: true,
      name: true,
      idpGroups: true,
      roles: true,
      isDisabled: true,
      lastLoginAt: true,
    },
  });
}

export const ZUserUpdate = z.object({ isDisabled: z.boolean() });

/** Disables or re-enables a person; a disabled person's session and API tokens stop working at once. */
export async function updateUser(context: AdminContext, options: { id: string; input: unknown }) {
  assertCan(context.actor, "users:write");
  const input = parseInput(ZUserUpdate, options.input);
  if (options.id === context.actor.userId && input.isDisabled) {
    throw new AdminError("invalid", "you cannot disable yourself", { isDisabled: "ask another admin" });
  }
  return context.db.$transaction(async (db) => {
    const before = await db.user.findUnique({ where: { id: options.id } });
    if (!before) throw new AdminError("not_found", "no such user");
    const after = await db.user.update({ where: { id: options.id }, data: { isDisabled: input.isDisabled } });
    await recordAudit(db, context.actor, {
      action: input.isDisabled ? "user.disable" : "user.enable",
      targetType: "user",
      targetId: after.id,
      before: { isDisabled: before.isDisabled },
      after: { isDisabled: after.isDisabled },
    });
    return { id: after.id, isDisabled: after.isDisabled };
  });
}

export const ZRoleMappingInput = z.object({
  idpGroup: z.string().trim().min(1, "required").max(200),
  role: z.enum(CONSOLE_ROLES),
});

export async function listRoleMappings(context: AdminContext) {
  assertCan(context.actor, "users:read");
  return context.db.roleMapping.findMany({ orderBy: [{ role: "asc" }, { idpGroup: "asc" }] });
}

/** Maps an IdP group to a console role; it applies at each member's next sign-in. */
export async function createRoleMapping(context: AdminContext, options: { input: unknown }) {
  assertCan(context.actor, "users:write");
  const input = parseInput(ZRoleMappingInput, options.input);
  try {
    return await context.db.$transaction(async (db) => {
      const saved = await db.roleMapping.create({ data: input });
      await recordAudit(db, context.actor, {
        action: "role_mapping.create",
        targetType: "role_mapping",
        targetId: saved.id,
        after: saved,
      });
      return saved;
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw new AdminError("conflict", "that mapping exists", { idpGroup: "already mapped to this role" });
    throw error;
  }
}

export async function deleteRoleMapping(context: AdminContext, options: { id: string }) {
  assertCan(context.actor, "users:write");
  await context.db.$transaction(async (db) => {
    const before = await db.roleMapping.findUnique({ where: { id: options.id } });
    if (!before) throw new AdminError("not_found", "no such role mapping");
    if (before.role === "ADMIN" && (await db.roleMapping.count({ where: { role: "ADMIN" } })) === 1) {
      throw new AdminError(
        "conflict",
        "this is the last group that grants admin; add another before removing it",
      );
    }
    await db.roleMapping.delete({ where: { id: before.id } });
    await recordAudit(db, context.actor, {
      action: "role_mapping.delete",
      targetType: "role_mapping",
      targetId: before.id,
      before,
    });
  });
}
