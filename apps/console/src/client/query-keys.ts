/**
 * Every react-query key the console uses, built in one place (the server's prefetch fills the same
 * keys): a list and the things derived from it share a prefix, so invalidating `queryKeys.x.all`
 * after a change refreshes every view of x, and a typo cannot create a second, never-invalidated
 * cache entry.
 */
export function resourceKeys<const Name extends string>(name: Name) {
  return {
    all: [name] as const,
    list: () => [name, "list"] as const,
    detail: (id: string) => [name, "detail", id] as const,
  };
}

export const queryKeys = {
  connections: resourceKeys("connections"),
  agents: resourceKeys("agents"),
  reviewerGroups: resourceKeys("reviewer-groups"),
  samlIdp: resourceKeys("saml-idp"),
  users: resourceKeys("users"),
  roleMappings: resourceKeys("role-mappings"),
  apiTokens: resourceKeys("api-tokens"),
  dashboard: resourceKeys("dashboard"),
} as const;

// Rule resources get theirs from the API contract's names: resourceKeys("masking-rules").
