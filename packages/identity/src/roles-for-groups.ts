export const CONSOLE_ROLES = ["ADMIN", "REVIEWER", "AUDITOR"] as const;
export type ConsoleRole = (typeof CONSOLE_ROLES)[number];

export type RoleMappingEntry = { idpGroup: string; role: ConsoleRole };

/**
 * The console roles a person holds, derived from the identity provider's groups claim at sign-in.
 * Group names match exactly (case matters at most IdPs); no mapping, no role.
 */
export function rolesForGroups(
  groups: readonly string[],
  mappings: readonly RoleMappingEntry[],
): ConsoleRole[] {
  const held = new Set(groups);
  const roles = new Set(
    mappings.filter((mapping) => held.has(mapping.idpGroup)).map((mapping) => mapping.role),
  );
  return CONSOLE_ROLES.filter((role) => roles.has(role));
}

/** Reads a groups claim that IdPs send as an array, a single string or a space-separated string. */
export function parseGroupsClaim(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === "string");
  if (typeof value === "string") return value.split(/[\s,]+/).filter(Boolean);
  return [];
}
