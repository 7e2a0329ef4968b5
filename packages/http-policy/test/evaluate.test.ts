import { evaluateRequest } from "@sluice/http-policy/evaluate";
import { readRequest } from "@sluice/http-policy/read-request";
import { type HttpConnectionPolicy, type HttpRule, ZHttpRequestMatch } from "@sluice/http-policy/rules";
import { describe, expect, it } from "vitest";

function rule(name: string, effect: "DENY" | "ALLOW", match: unknown, message?: string): HttpRule {
  return { name, effect, match: ZHttpRequestMatch.parse(match), ...(message ? { message } : {}) };
}

function policy(rules: HttpRule[], isReadOnly = false): HttpConnectionPolicy {
  return { connectionName: "shop", isReadOnly, rules, masking: [] };
}

function judge(p: HttpConnectionPolicy, method: string, target: string, body?: unknown) {
  const facts = readRequest({
    method,
    target,
    rawHeaders: body === undefined ? [] : ["content-type", "application/json"],
    body: Buffer.from(body === undefined ? "" : JSON.stringify(body)),
  });
  if (!facts.ok) throw new Error(facts.refusal.message);
  return evaluateRequest(p, facts.value);
}

describe("HTTP rules", () => {
  const denyAdmin = policy([rule("no-admin", "DENY", { path: "/admin/**" }, "use the public API")]);

  it("denies by path pattern with the SQL path's message shape", () => {
    const verdict = judge(denyAdmin, "GET", "/shop/admin/users");
    expect(verdict).toMatchObject({
      kind: "deny",
      status: 403,
      rule: "no-admin",
      hint: "use the public API",
    });
    expect(verdict.kind === "deny" && verdict.message).toBe(
      'blocked by guardrail "no-admin" on connection shop: GET /admin/users matches path /admin/**',
    );
  });

  it.each([
    "/shop/ADMIN/users",
    "/shop/Admin",
    "/shop/%61dmin/users",
    "/shop/public/../admin/users",
    "/shop/admin/",
  ])("cannot be stepped around: %s", (target) => {
    expect(judge(denyAdmin, "GET", target).kind).toBe("deny");
  });

  it("lets other paths through", () => {
    expect(judge(denyAdmin, "GET", "/shop/customers").kind).toBe("allow");
    expect(judge(denyAdmin, "GET", "/shop/administrators").kind).toBe("allow");
  });

  it("matches methods and path parameters; a GET rule covers HEAD", () => {
    const p = policy([rule("no-customer-read", "DENY", { methods: ["get"], path: "/customers/{id}" })]);
    expect(judge(p, "GET", "/shop/customers/7").kind).toBe("deny");
    expect(judge(p, "HEAD", "/shop/customers/7").kind).toBe("deny");
    expect(judge(p, "GET", "/shop/customers").kind).toBe("allow");
    expect(judge(p, "GET", "/shop/customers/7/orders").kind).toBe("allow");
  });

  it("matches query parameters and JSON body fields", () => {
    const p = policy([
      rule("no-export", "DENY", { path: "/customers", query: { export: "*" } }),
      rule("no-admin-role", "DENY", { methods: ["POST", "PUT", "PATCH"], body: { "/role": "admin" } }),
      rule("no-refund-over", "DENY", { body: { "/items/*/refund": true } }),
    ]);
    expect(judge(p, "GET", "/shop/customers?EXPORT=csv").kind).toBe("deny");
    expect(judge(p, "GET", "/shop/customers?limit=1").kind).toBe("allow");
    expect(judge(p, "POST", "/shop/users", { role: "admin" }).kind).toBe("deny");
    expect(judge(p, "POST", "/shop/users", { role: "user" }).kind).toBe("allow");
    expect(judge(p, "POST", "/shop/orders", { items: [{ refund: false }, { refund: true }] }).kind).toBe(
      "deny",
    );
  });

  it("an allow list refuses everything it does not name", () => {
    const p = policy([rule("read-customers", "ALLOW", { methods: ["GET"], path: "/customers/**" })]);
    expect(judge(p, "GET", "/shop/customers/1").kind).toBe("allow");
    expect(judge(p, "GET", "/shop/orders").kind).toBe("deny");
    expect(judge(p, "DELETE", "/shop/customers/1")).toMatchObject({ rule: "sluice:http-allow-list" });
    const headOnly = policy([rule("head", "ALLOW", { methods: ["HEAD"], path: "/customers" })]);
    expect(judge(headOnly, "GET", "/shop/customers").kind).toBe("deny");
  });

  it("read-only allows GET, HEAD and OPTIONS only", () => {
    const p = policy([], true);
    for (const method of ["GET", "HEAD", "OPTIONS"]) expect(judge(p, method, "/shop/x").kind).toBe("allow");
    for (const method of ["POST", "PUT", "PATCH", "DELETE"])
      expect(judge(p, method, "/shop/x")).toMatchObject({ kind: "deny", rule: "sluice:read-only" });
  });

  it("an unreadable policy refuses every call", () => {
    expect(judge({ ...policy([]), invalidRules: "bad" }, "GET", "/shop/x")).toMatchObject({
      rule: "sluice:invalid-policy",
    });
  });

  it.each([
    [{}, "at least one of"],
    [{ path: "admin" }, "starts with '/'"],
    [{ path: "/a//b" }, "segment"],
    [{ path: "/a/**/b" }, "only end"],
    [{ path: "/a;b" }, "segment"],
    [{ body: { "a/b": 1 }, path: "/" }, "must start with '/'"],
    [{ methods: ["TRACE"] }, "Invalid option"],
  ])("refuses the rule %j", (match, why) => {
    const parsed = ZHttpRequestMatch.safeParse(match);
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain(why);
  });
});
