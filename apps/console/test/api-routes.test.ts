import { RULE_RESOURCES } from "@sluice/admin/api-contract";
import { can, PERMISSIONS } from "@sluice/admin/permissions";
import { describe, expect, it } from "vitest";
import { openApiDocument } from "../src/server/api/openapi";
import { matchPath } from "../src/server/api/route-table";
import { API_ROUTES } from "../src/server/api/routes";

describe("the /api/v1 route table", () => {
  it("has one route per method and path", () => {
    const keys = API_ROUTES.map((route) => `${route.method} ${route.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("serves every rule resource of the API contract with the four calls the rule editor makes", () => {
    const keys = new Set(API_ROUTES.map((route) => `${route.method} ${route.path}`));
    for (const { path } of Object.values(RULE_RESOURCES)) {
      for (const key of [`GET ${path}`, `POST ${path}`, `PATCH ${path}/{id}`, `DELETE ${path}/{id}`])
        expect(keys.has(key), key).toBe(true);
    }
  });

  it("matches parameters and nothing looser", () => {
    expect(matchPath("/agents/{id}/credentials/{credentialId}", "/agents/a1/credentials/c%2F2")).toEqual({
      id: "a1",
      credentialId: "c/2",
    });
    expect(matchPath("/agents/{id}", "/agents")).toBeNull();
    expect(matchPath("/agents/{id}", "/agents/a1/credentials")).toBeNull();
    expect(matchPath("/connections", "/agents")).toBeNull();
  });

  it("lets no reviewer or auditor route change policy", () => {
    for (const route of API_ROUTES.filter((candidate) => candidate.method !== "GET")) {
      const changesPolicy = route.permission === "policy:write" || route.permission === "users:write";
      if (!changesPolicy) continue;
      expect(can({ roles: ["REVIEWER"] }, route.permission), `${route.method} ${route.path}`).toBe(false);
      expect(can({ roles: ["AUDITOR"] }, route.permission), `${route.method} ${route.path}`).toBe(false);
    }
    expect(can({ roles: ["AUDITOR"] }, "reviews:decide")).toBe(false);
    expect(can({ roles: ["ADMIN"] }, "reviews:decide")).toBe(false);
    expect(PERMISSIONS["audit:read"]).not.toContain("REVIEWER");
  });

  it("describes every route in the OpenAPI document, with request schemas from the same zod schemas", () => {
    const document = openApiDocument("http://localhost:3000");
    for (const route of API_ROUTES) {
      const operation = (
        document.paths[route.path] as Record<string, { summary: string; requestBody?: unknown }>
      )[route.method.toLowerCase()];
      expect(operation?.summary, `${route.method} ${route.path}`).toBe(route.summary);
      expect(Boolean(operation?.requestBody)).toBe(Boolean(route.body));
    }
    const create = (
      document.paths["/connections"] as Record<
        string,
        { requestBody: { content: Record<string, { schema: { properties: Record<string, unknown> } }> } }
      >
    ).post;
    expect(Object.keys(create?.requestBody.content["application/json"]?.schema.properties ?? {})).toEqual(
      expect.arrayContaining(["name", "host", "port", "password", "tlsMode", "allowedGroups"]),
    );
  });
});
