import type { Actor } from "@sluice/admin/actor";
import { AdminError } from "@sluice/admin/admin-error";
import { NextRequest } from "next/server";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { RequestActor } from "../src/server/actor";
import type { ApiRoute } from "../src/server/api/route-table";

const ORIGIN = "https://console.example";
const state = vi.hoisted(() => ({
  caller: null as RequestActor | null,
  routes: [] as ApiRoute[],
  calls: [] as unknown[],
}));

// dispatch's collaborators: who the caller is, the store, the environment and the route table.
vi.mock("../src/server/actor", () => ({ actorFromRequest: async () => state.caller }));
vi.mock("../src/server/db", () => ({ db: () => ({ fake: "db" }) }));
vi.mock("../src/server/env", () => ({ env: () => ({ origin: ORIGIN, secretKey: Buffer.alloc(32) }) }));
vi.mock("../src/server/api/routes", () => ({
  get API_ROUTES() {
    return state.routes;
  },
}));

const { dispatch } = await import("../src/server/api/dispatch");

const admin: Actor = { kind: "USER", userId: "u1", name: "admin@example.com", roles: ["ADMIN"] };
const auditor: Actor = { kind: "USER", userId: "u2", name: "auditor@example.com", roles: ["AUDITOR"] };

function route(overrides: Partial<ApiRoute>): ApiRoute {
  return {
    method: "GET",
    path: "/things/{id}",
    summary: "a thing",
    tag: "things",
    permission: "policy:read",
    run: async (_context, input) => {
      state.calls.push(input);
      return { ok: true, id: input.params["id"] };
    },
    ...overrides,
  } as ApiRoute;
}

function request(
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: string } = {},
) {
  return new NextRequest(`${ORIGIN}/api/v1${path}`, { method, ...init });
}

async function answer(response: Response) {
  return { status: response.status, body: response.status === 204 ? null : await response.json() };
}

beforeEach(() => {
  state.caller = { actor: admin, via: "bearer" };
  state.calls = [];
  state.routes = [
    route({}),
    route({ method: "PATCH", permission: "policy:write" }),
    route({ method: "DELETE", status: 204, permission: "policy:write" }),
  ];
});

describe("the /api/v1 dispatcher", () => {
  it("routes by path and method, passing decoded parameters and the query", async () => {
    const response = await dispatch(request("GET", "/things/a%2Fb?limit=5"), ["things", "a%2Fb"]);
    expect(await answer(response)).toEqual({ status: 200, body: { ok: true, id: "a/b" } });
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(state.calls).toEqual([{ params: { id: "a/b" }, body: undefined, query: { limit: "5" } }]);
  });

  it("answers 404 for an unknown path and 405 with Allow for a wrong method", async () => {
    expect(await answer(await dispatch(request("GET", "/nothing"), ["nothing"]))).toEqual({
      status: 404,
      body: { error: "no API route /nothing" },
    });
    const wrong = await dispatch(request("POST", "/things/1"), ["things", "1"]);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET, PATCH, DELETE");
  });

  it("refuses an unauthenticated caller with 401 before running anything", async () => {
    state.caller = null;
    const response = await dispatch(request("GET", "/things/1"), ["things", "1"]);
    expect(response.status).toBe(401);
    expect(state.calls).toEqual([]);
  });

  it("refuses a role without the route's permission with 403, naming the roles", async () => {
    state.caller = { actor: auditor, via: "bearer" };
    const response = await dispatch(request("PATCH", "/things/1", { body: "{}" }), ["things", "1"]);
    expect(await answer(response)).toEqual({
      status: 403,
      body: { error: "your roles (AUDITOR) do not allow policy:write" },
    });
    expect(state.calls).toEqual([]);
  });

  it("refuses a cookie-authenticated change from another origin, and allows it from the console's own", async () => {
    state.caller = { actor: admin, via: "cookie" };
    const crossSite = request("PATCH", "/things/1", {
      headers: { origin: "https://evil.example", "content-type": "application/json" },
      body: "{}",
    });
    expect((await dispatch(crossSite, ["things", "1"])).status).toBe(403);
    const fetchSiteCross = request("PATCH", "/things/1", {
      headers: { origin: ORIGIN, "sec-fetch-site": "cross-site" },
      body: "{}",
    });
    expect((await dispatch(fetchSiteCross, ["things", "1"])).status).toBe(403);
    expect(state.calls).toEqual([]);
    const sameOrigin = request("PATCH", "/things/1", {
      headers: { origin: ORIGIN, "sec-fetch-site": "same-origin" },
      body: '{"name":"x"}',
    });
    expect((await dispatch(sameOrigin, ["things", "1"])).status).toBe(200);
    expect(state.calls).toEqual([{ params: { id: "1" }, body: { name: "x" }, query: {} }]);
  });

  it("lets a bearer token change things without an Origin (it is not a browser)", async () => {
    const response = await dispatch(request("PATCH", "/things/1", { body: "{}" }), ["things", "1"]);
    expect(response.status).toBe(200);
  });

  it("answers bad JSON with 400 and runs nothing", async () => {
    const response = await dispatch(request("PATCH", "/things/1", { body: "{not json" }), ["things", "1"]);
    expect(await answer(response)).toEqual({
      status: 400,
      body: { error: "the request body is not valid JSON", fields: {} },
    });
    expect(state.calls).toEqual([]);
  });

  it("maps each operation error kind to its status, with the field messages", async () => {
    const kinds = { invalid: 400, forbidden: 403, not_found: 404, conflict: 409, unavailable: 502 } as const;
    for (const [kind, status] of Object.entries(kinds)) {
      state.routes = [
        route({
          run: async () => {
            throw new AdminError(kind as AdminError["kind"], `${kind} happened`, { name: "wrong" });
          },
        }),
      ];
      expect(await answer(await dispatch(request("GET", "/things/1"), ["things", "1"]))).toEqual({
        status,
        body: { error: `${kind} happened`, fields: { name: "wrong" } },
      });
    }
  });

  it("answers an unexpected error with a generic 500 that carries none of its message", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    state.routes = [
      route({
        run: async () => {
          throw new Error("password=hunter2 at db.internal:5432");
        },
      }),
    ];
    const response = await dispatch(request("GET", "/things/1"), ["things", "1"]);
    const text = await response.text();
    expect(response.status).toBe(500);
    expect(text).not.toContain("hunter2");
    expect(JSON.parse(text)).toEqual({ error: "internal error; the console's log has the details" });
    expect(logged).toHaveBeenCalled();
    logged.mockRestore();
  });

  it("answers 204 with no body for deletions, and serialises bigints as strings", async () => {
    const deleted = await dispatch(request("DELETE", "/things/1"), ["things", "1"]);
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe("");
    state.routes = [route({ run: async () => ({ bytes: 12345678901234567890n }) })];
    const response = await dispatch(request("GET", "/things/1"), ["things", "1"]);
    expect(await response.json()).toEqual({ bytes: "12345678901234567890" });
  });
});
