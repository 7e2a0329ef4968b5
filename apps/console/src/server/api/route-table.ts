import type { AdminContext } from "@sluice/admin/actor";
import type { Permission } from "@sluice/admin/permissions";
import type { z } from "zod";

export type HttpMethod = "GET" | "POST" | "PATCH" | "DELETE";

export type RouteInput = { params: Record<string, string>; body: unknown; query: Record<string, string> };

/**
 * One `/api/v1` operation: how it is reached, who may call it (the operation checks again), its
 * input schema (for the OpenAPI document; the operation validates) and the call into packages/admin.
 */
export type ApiRoute = {
  method: HttpMethod;
  /** Relative to /api/v1, with `{name}` parameters. */
  path: string;
  summary: string;
  tag: string;
  permission: Permission;
  body?: z.ZodType;
  query?: z.ZodType;
  /** 201 for creations, 204 for deletions; 200 otherwise. */
  status?: 200 | 201 | 204;
  run: (context: AdminContext, input: RouteInput) => Promise<unknown>;
};

/** Matches a request path against a route's pattern, returning its parameters. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/").filter(Boolean);
  const got = path.split("/").filter(Boolean);
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (const [index, part] of want.entries()) {
    const actual = got[index] ?? "";
    if (part.startsWith("{") && part.endsWith("}")) params[part.slice(1, -1)] = decodeURIComponent(actual);
    else if (part !== actual) return null;
  }
  return params;
}

/** The `{id}` parameter of a route, as the `{ id }` options the admin operations take. */
export const id = (input: { params: Record<string, string> }) => ({ id: input.params.id ?? "" });
