import { evaluateRequest } from "@sluice/http-policy/evaluate";
import { readRequest } from "@sluice/http-policy/read-request";
import { type HttpConnectionPolicy, type HttpRule, ZHttpRequestMatch } from "@sluice/http-policy/rules";
import { describe, expect, it } from "vitest";

function rule(name: string, effect: "DENY" | "ALLOW", match: unknown, message?: string): HttpRule {
  return { name, effect, match: ZHttpRequestMatch.parse(match), ...(message ? { message } : {}) };
}

function policy(rules: HttpRule[], isReadOnly = false): HttpConnectionPolicy {
  return { connectionName: "shop", isReadOnly, rules, reviews: [], masking: [] };
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

  it("a review rule matches after every refusal, and names its reviewers", () => {
    const reviewed: HttpConnectionPolicy = {
      ...policy([rule("no-admin", "DENY", { path: "/admin/**" })]),
      reviews: [
        {
          name: "refunds",
          match: ZHttpRequestMatch.parse({ methods: ["POST"], path: "/orders/{id}/refund" }),
          reviewerGroups: ["finance"],
        },
        { name: "admin-too", match: ZHttpRequestMatch.parse({ path: "/admin/**" }), reviewerGroups: ["ops"] },
      ],
    };
    expect(judge(reviewed, "POST", "/shop/Orders/7/refund/", { amount: 5 })).toEqual({
      kind: "review",
      rule: "refunds",
      reviewerGroups: ["finance"],
      message:
        'POST /Orders/7/refund/ needs approval under review rule "refunds" on connection shop (reviewers: finance)',
    });
    expect(judge(reviewed, "GET", "/shop/orders/7/refund")).toEqual({ kind: "allow" });
    // A call a guardrail refuses is never put to a reviewer.
    expect(judge(reviewed, "GET", "/shop/admin/x")).toMatchObject({ kind: "deny", rule: "no-admin" });
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

describe("body rules read member names without case, as some upstreams bind them", () => {
  const noAdmin = policy([rule("no-admin-role", "DENY", { body: { "/user/role": "admin" } })]);
  it.each([{ user: { role: "admin" } }, { User: { Role: "admin" } }, { USER: { role: "admin" } }])(
    "%j is denied",
    (body) => expect(judge(noAdmin, "POST", "/shop/orders", body)).toMatchObject({ kind: "deny" }),
  );
  it("a value that differs is allowed", () => {
    expect(judge(noAdmin, "POST", "/shop/orders", { User: { Role: "user" } })).toEqual({ kind: "allow" });
  });
});

describe("deny and review rules read a format suffix as the framework routes it", () => {
  const noRefunds = policy([rule("no-refunds", "DENY", { methods: ["POST"], path: "/orders/{id}/refund" })]);
  it.each([
    "/shop/orders/1/refund.json",
    "/shop/orders/1/refund.",
    "/shop/orders/1/refund%20",
    "/shop/orders/1/REFUND.XML",
  ])("%s is denied", (target) =>
    expect(judge(noRefunds, "POST", target, {})).toMatchObject({ kind: "deny" }),
  );
  it("another action is not", () => {
    expect(judge(noRefunds, "POST", "/shop/orders/1/refunds.json", {})).toEqual({ kind: "allow" });
  });
  it("an allow rule is not widened by it", () => {
    const onlyReports = policy([rule("reports", "ALLOW", { path: "/reports" })]);
    expect(judge(onlyReports, "GET", "/shop/reports")).toEqual({ kind: "allow" });
    expect(judge(onlyReports, "GET", "/shop/reports.csv")).toMatchObject({ kind: "deny" });
  });
});
