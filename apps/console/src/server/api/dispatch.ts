import { AdminError } from "@sluice/admin/admin-error";
import { can } from "@sluice/admin/permissions";
import type { NextRequest } from "next/server";
import { actorFromRequest } from "../actor";
import { db } from "../db";
import { env } from "../env";
import { type HttpMethod, matchPath } from "./route-table";
import { API_ROUTES } from "./routes";

/** Request bodies are forms and rules; nothing legitimate comes near this. */
const MAX_BODY_BYTES = 1024 * 1024;

const STATUS_BY_KIND: Record<AdminError["kind"], number> = {
  invalid: 400,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unavailable: 502,
};

/**
 * The one entry point of `/api/v1`: authenticate (401), refuse cross-site cookie requests (403),
 * route, parse the body, call the operation, map its errors. Unexpected errors are logged and
 * answered with a generic 500 — never their message, which could carry internals.
 */
export async function dispatch(request: NextRequest, segments: string[]): Promise<Response> {
  const path = `/${segments.join("/")}`;
  const method = request.method as HttpMethod;
  const candidates = API_ROUTES.filter((route) => matchPath(route.path, path) !== null);
  if (candidates.length === 0) return json(404, { error: `no API route ${path}` });
  const route = candidates.find((candidate) => candidate.method === method);
  if (!route)
    return json(
      405,
      { error: `${method} is not allowed on ${path}` },
      { allow: candidates.map((c) => c.method).join(", ") },
    );

  const caller = await actorFromRequest(request);
  if (!caller) return json(401, { error: "sign in, or send an API token as `Authorization: Bearer slt_…`" });
  // Checked here and again by the operation itself: a route table mistake alone opens nothing.
  if (!can(caller.actor, route.permission)) {
    return json(403, {
      error: `your roles (${caller.actor.roles.join(", ")}) do not allow ${route.permission}`,
    });
  }
  if (caller.via === "cookie" && method !== "GET" && !isSameOrigin(request)) {
    return json(403, { error: "cross-site request refused: changes must come from the console's own pages" });
  }

  try {
    const body = method === "GET" || method === "DELETE" ? undefined : await readJson(request);
    const result = await route.run(
      { db: db(), actor: caller.actor, secretKey: env().secretKey },
      {
        params: matchPath(route.path, path) ?? {},
        body,
        query: Object.fromEntries(request.nextUrl.searchParams),
      },
    );
    if (route.status === 204) return new Response(null, { status: 204 });
    if (result instanceof Response) return result;
    return json(route.status ?? 200, result ?? null);
  } catch (error) {
    if (error instanceof AdminError) {
      return json(STATUS_BY_KIND[error.kind], { error: error.message, fields: error.fields });
    }
    console.error(`api ${method} ${path} failed:`, error instanceof Error ? error.stack : error);
    return json(500, { error: "internal error; the console's log has the details" });
  }
}

/**
 * A cookie-authenticated change must come from the console's own origin: the browser always sends
 * Origin on cross-origin and on non-GET fetches, and Sec-Fetch-Site where it supports it.
 */
function isSameOrigin(request: NextRequest): boolean {
  const origin = request.headers.get("origin");
  const site = request.headers.get("sec-fetch-site");
  if (site && site !== "same-origin") return false;
  return origin === env().origin;
}

async function readJson(request: NextRequest): Promise<unknown> {
  const text = await request.text();
  if (text.length > MAX_BODY_BYTES) throw new AdminError("invalid", "request body too large");
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new AdminError("invalid", "the request body is not valid JSON");
  }
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  const text = JSON.stringify(body, (_key, value: unknown) =>
    typeof value === "bigint" ? value.toString() : value,
  );
  return new Response(text, {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
  });
}
