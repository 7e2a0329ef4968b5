import { readRequest } from "@sluice/http-policy/read-request";
import { describe, expect, it } from "vitest";

const JSON_HEADERS = ["Content-Type", "application/json"];

function read(method: string, target: string, rawHeaders: string[] = [], body = "") {
  return readRequest({ method, target, rawHeaders, body: Buffer.from(body) });
}

function refusal(method: string, target: string, rawHeaders: string[] = [], body = "") {
  const result = read(method, target, rawHeaders, body);
  if (result.ok) throw new Error(`${method} ${target} was read as ${result.value.path}`);
  return result.refusal;
}

function pathOf(target: string): string {
  const result = read("GET", target);
  if (!result.ok) throw new Error(result.refusal.message);
  return result.value.path;
}

describe("path: one reading, as forwarded upstream", () => {
  it.each([
    ["/shop/customers/42", "/customers/42"],
    ["/shop/customers/%34%32", "/customers/42"],
    ["/shop/%63ustomers", "/customers"],
    ["/shop/customers/./42", "/customers/42"],
    ["/shop/admin/../customers", "/customers"],
    ["/shop/admin/%2e%2e/customers", "/customers"],
    ["/shop/customers/", "/customers/"],
    ["/shop/a%20b", "/a%20b"],
    ["/shop/caf%c3%a9", "/caf%C3%A9"],
    ["/shop", "/"],
  ])("%s reads as %s", (target, path) => {
    expect(pathOf(target)).toBe(path);
  });

  it.each([
    ["/shop/admin%2Fusers", "encoded '/'"],
    ["/shop/admin%2fusers", "encoded '/'"],
    ["/shop/admin%5Cusers", "encoded '\\'"],
    ["/shop/admin\\users", '"\\\\"'],
    ["/shop//admin", "'//'"],
    ["/shop/admin;jsessionid=1", "';' path parameters"],
    ["/shop/admin%3Bx", "encoded ';'"],
    ["/shop/admin%252Fusers", "double encoding"],
    ["/shop/%00admin", "control character"],
    ["/shop/admin%G1", "two hex digits"],
    ["/shop/../../etc", "above the root"],
    ["http://upstream.internal/shop/admin", "origin-form"],
    ["*", "origin-form"],
    ["/shop/admin#frag", "fragment"],
  ])("%s is refused (%s)", (target, why) => {
    const result = refusal("GET", target);
    expect(result.status).toBe(400);
    expect(result.message).toContain(why);
  });

  it("takes the connection from the first segment", () => {
    const result = read("GET", "/%73hop/x");
    expect(result.ok && result.value.connectionName).toBe("shop");
  });
});

describe("query", () => {
  it("reads names once and forwards a canonical form", () => {
    const result = read("GET", "/shop/c?limit=10&q=a+b&flag");
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(Object.fromEntries(result.value.query)).toEqual({ limit: "10", q: "a b", flag: "" });
    expect(result.value.canonicalQuery).toBe("limit=10&q=a%20b&flag");
  });

  it.each([
    ["/shop/c?id=1&id=2", "more than once"],
    ["/shop/c?id=1&ID=2", "more than once"],
    ["/shop/c?id=1&%69d=2", "more than once"],
    ["/shop/c?id=1;id=2", "';'"],
    ["/shop/c?_method=DELETE", "overrides the method"],
    ["/shop/c?q=%E0%A4", "UTF-8"],
    ["/shop/c?limit=1000%00", "NUL"],
    ["/shop/c?limit%00=1000", "NUL"],
  ])("%s is refused (%s)", (target, why) => {
    expect(refusal("GET", target).message).toContain(why);
  });
});

describe("method and headers", () => {
  it.each(["TRACE", "CONNECT", "PROPFIND", "get"])("method %s is refused", (method) => {
    expect(refusal(method, "/shop/c").status).toBe(405);
  });

  it.each([
    [["X-HTTP-Method-Override", "DELETE"], "overrides the method"],
    [["X-HTTP-Method", "DELETE"], "overrides the method"],
    [["X-Method-Override", "DELETE"], "overrides the method"],
    [["X-Original-URL", "/admin"], "another path"],
    [["Upgrade", "websocket"], "upgrades"],
    [["Content-Encoding", "gzip"], "uncompressed"],
    [["Transfer-Encoding", "gzip, chunked"], "transfer coding"],
    [["Host", "a", "Host", "b"], "more than once"],
    [["Authorization", "Bearer a", "Authorization", "Bearer b"], "more than once"],
  ])("%j is refused (%s)", (headers, why) => {
    const result = refusal("GET", "/shop/c", headers);
    expect(`${result.message} ${result.hint ?? ""}`).toContain(why);
  });
});

describe("body", () => {
  it("reads a strict JSON body", () => {
    const result = read("POST", "/shop/orders", JSON_HEADERS, '{"sku":"A-1","qty":2}');
    expect(result.ok && result.value.body).toEqual({ sku: "A-1", qty: 2 });
  });

  it.each([
    ['{"role":"user","role":"admin"}', "appears twice"],
    ['{"role":"user","r\\u006fle":"admin"}', "appears twice"],
    ['{"role":"user","Role":"admin"}', "without case"],
    ['{"user":{"ROLE":"admin","role":"user"}}', "without case"],
    ['{"role":"admin\\u0000"}', "u0000"],
    ['{"ro\\u0000le":"admin"}', "u0000"],
    ['{"a":1} {"b":2}', "after the JSON value"],
    ["{'a':1}", "member name"],
    ['{"a":"\\ud800"}', "lone surrogate"],
    ["\uFEFF{}", "byte order mark"],
    ["[1,]", "unexpected"],
  ])("%s is refused (%s)", (body, why) => {
    expect(refusal("POST", "/shop/orders", JSON_HEADERS, body).message).toContain(why);
  });

  it.each([
    [["Content-Type", "text/plain"], 415],
    [["Content-Type", "application/x-www-form-urlencoded"], 415],
    [["Content-Type", "application/json; charset=utf-16"], 415],
    [["Content-Type", "application/json, text/plain"], 415],
    [[], 415],
    [["Content-Type", "application/json", "Content-Type", "text/plain"], 400],
  ])("a JSON body declared as %j is refused with %i", (headers, status) => {
    expect(refusal("POST", "/shop/orders", headers, '{"a":1}').status).toBe(status);
  });

  it.each(["GET", "HEAD", "DELETE", "OPTIONS"])("a body on %s is refused", (method) => {
    expect(refusal(method, "/shop/orders", JSON_HEADERS, '{"a":1}').message).toContain(`body on ${method}`);
  });

  it("accepts application/*+json with charset utf-8", () => {
    const result = read(
      "PATCH",
      "/shop/o/1",
      ["content-type", 'application/merge-patch+json; charset="UTF-8"'],
      "{}",
    );
    expect(result.ok).toBe(true);
  });
});
