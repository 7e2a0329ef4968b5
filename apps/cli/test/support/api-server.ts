import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { AdminError } from "@sluice/admin/admin-error";
import { authenticateApiToken } from "@sluice/admin/api-tokens";
import { can } from "@sluice/admin/permissions";
import { matchPath } from "@sluice/console/api/route-table";
import { API_ROUTES } from "@sluice/console/api/routes";
import type { PrismaClient } from "@sluice/db/prisma";

const STATUS: Record<AdminError["kind"], number> = {
  invalid: 400,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unavailable: 502,
};

/**
 * The console's real route table and operations behind bearer tokens, without Next.js: what the
 * CLI talks to, minus the cookie session (the CLI never has one). Loopback only.
 */
export async function startApiServer(options: { db: PrismaClient; secretKey: Buffer }) {
  /** Requests refused for want of a valid token: a test sees the terminal's login poll by them. */
  let refusals = 0;
  const server = createServer(async (request, response) => {
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(body === undefined ? "" : JSON.stringify(body));
    };
    const url = new URL(request.url ?? "/", "http://localhost");
    if (!url.pathname.startsWith("/api/v1/")) return send(200, { ok: true });
    const path = url.pathname.slice("/api/v1".length);
    const route = API_ROUTES.find(
      (candidate) => candidate.method === request.method && matchPath(candidate.path, path),
    );
    if (!route) return send(404, { error: `no API route ${path}` });
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? "")?.[1];
    const actor = bearer ? await authenticateApiToken(options.db, bearer) : null;
    if (!actor) {
      refusals += 1;
      return send(401, { error: "sign in" });
    }
    if (!can(actor, route.permission)) return send(403, { error: "forbidden" });
    let text = "";
    for await (const chunk of request) text += chunk;
    try {
      const result = await route.run(
        { db: options.db, actor, secretKey: options.secretKey },
        {
          params: matchPath(route.path, path) ?? {},
          body: text ? JSON.parse(text) : {},
          query: Object.fromEntries(url.searchParams),
        },
      );
      if (route.status === 204) return send(204, undefined);
      send(route.status ?? 200, result ?? null);
    } catch (error) {
      if (error instanceof AdminError)
        return send(STATUS[error.kind], { error: error.message, fields: error.fields });
      send(500, { error: String(error) });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    refusals: () => refusals,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
