import type { ConsoleRole } from "@sluice/identity/roles-for-groups";
import type { Actor } from "./actor";
import { AdminError } from "./admin-error";

/**
 * What each role may do. Admins set policy; reviewers decide on held statements; auditors read
 * what happened. Nobody but an admin reads policy configuration (it names upstream hosts and users).
 */
export const PERMISSIONS = {
  "dashboard:read": ["ADMIN", "REVIEWER", "AUDITOR"],
  "policy:read": ["ADMIN"],
  "policy:write": ["ADMIN"],
  "users:read": ["ADMIN"],
  "users:write": ["ADMIN"],
  "reviews:read": ["ADMIN", "REVIEWER"],
  "reviews:decide": ["REVIEWER"],
  "audit:read": ["ADMIN", "AUDITOR"],
  "sessions:read": ["ADMIN", "AUDITOR"],
  "recordings:delete": ["ADMIN"],
  "tokens:own": ["ADMIN", "REVIEWER", "AUDITOR"],
} as const satisfies Record<string, readonly ConsoleRole[]>;

export type Permission = keyof typeof PERMISSIONS;

export function can(actor: Pick<Actor, "roles">, permission: Permission): boolean {
  const allowed: readonly ConsoleRole[] = PERMISSIONS[permission];
  return actor.roles.some((role) => allowed.includes(role));
}

/** Throws the error the API turns into 403; every operation calls it before touching the store. */
export function assertCan(actor: Actor, permission: Permission): void {
  if (!can(actor, permission)) {
    throw new AdminError(
      "forbidden",
      `your roles (${actor.roles.join(", ") || "none"}) do not allow ${permission}`,
    );
  }
}
