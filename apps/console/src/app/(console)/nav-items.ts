import type { Permission } from "@sluice/admin/permissions";

/** The console's pages and the permission each needs; the nav shows only what the viewer may open. */
export const NAV_ITEMS: { href: string; label: string; permission: Permission }[] = [
  { href: "/dashboard", label: "Dashboard", permission: "dashboard:read" },
  { href: "/connections", label: "Connections", permission: "policy:read" },
  { href: "/agents", label: "Agents", permission: "policy:read" },
  { href: "/masking", label: "Masking", permission: "policy:read" },
  { href: "/guardrails", label: "Guardrails", permission: "policy:read" },
  { href: "/review-rules", label: "Review rules", permission: "policy:read" },
  { href: "/reviews", label: "Reviews", permission: "reviews:read" },
  { href: "/sessions", label: "Sessions", permission: "sessions:read" },
  { href: "/audit", label: "Audit log", permission: "audit:read" },
  { href: "/people", label: "People & roles", permission: "users:read" },
  { href: "/settings", label: "Sign-in settings", permission: "users:read" },
  { href: "/api-tokens", label: "API tokens", permission: "tokens:own" },
];
