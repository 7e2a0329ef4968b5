import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HttpHarness, startHttpHarness } from "./support/http-harness";
import { rawHttp, requestText } from "./support/raw-http";

/**
 * The HTTP bypass corpus: requests written byte for byte (no client library normalizes them), each
 * trying to reach what a rule denies. Every case must be refused, or reach the upstream only in the
 * canonical form the rule judged. A leak found later becomes a case here.
 */
let harness: HttpHarness;
const ADMIN = /admin/i;

beforeAll(async () => {
  harness = await startHttpHarness();
  const connectionId = harness.connection.id;
  await harness.prisma.guardrailRule.createMany({
    data: [
      { connectionId, name: "no-admin", kind: "HTTP_REQUEST", match: { path: "/admin/**" } },
      { connectionId, name: "no-deletes", kind: "HTTP_REQUEST", match: { methods: ["DELETE"] } },
      { connectionId, name: "no-admin-role", kind: "HTTP_REQUEST", match: { body: { "/role": "admin" } } },
    ],
  });
  await harness.prisma.maskingRule.create({
    data: { connectionId, name: "emails", detector: "email", strategy: "REDACT" },
  });
  await harness.reloadPolicy();
});
afterAll(() => harness?.stop());

type Case = {
  name: string;
  method?: string;
  target: string;
  headers?: string[];
  body?: string;
  status: number;
};

const PATH_CASES: Case[] = [
  { name: "plain", target: "/shop/admin/users", status: 403 },
  { name: "upper case", target: "/shop/ADMIN/users", status: 403 },
  { name: "mixed case", target: "/shop/Admin/Users", status: 403 },
  { name: "percent-encoded letter", target: "/shop/%61dmin/users", status: 403 },
  { name: "percent-encoded lower-case hex", target: "/shop/%61%64min/users", status: 403 },
  { name: "double encoding", target: "/shop/%2561dmin/users", status: 400 },
  { name: "encoded slash", target: "/shop/admin%2Fusers", status: 400 },
  { name: "encoded slash with dot-dot", target: "/shop/customers/..%2Fadmin/users", status: 400 },
  { name: "encoded backslash", target: "/shop/customers/..%5Cadmin/users", status: 400 },
  { name: "dot-dot", target: "/shop/customers/../admin/users", status: 403 },
  { name: "encoded dot-dot", target: "/shop/customers/%2e%2e/admin/users", status: 403 },
  { name: "dot segment", target: "/shop/./admin/users", status: 403 },
  { name: "dot-dot above the root", target: "/shop/../../admin/users", status: 400 },
  { name: "empty segment", target: "/shop//admin/users", status: 400 },
  { name: "trailing slash", target: "/shop/admin/", status: 403 },
  { name: "matrix parameter", target: "/shop/admin;x=1/users", status: 400 },
  { name: "matrix parameter at the end", target: "/shop/admin/users;.json", status: 400 },
  { name: "encoded semicolon", target: "/shop/admin%3B/users", status: 400 },
  { name: "NUL", target: "/shop/admin%00/users", status: 400 },
  { name: "absolute-form", target: "http://127.0.0.1/shop/admin/users", status: 400 },
  {
    name: "absolute-form naming the upstream",
    target: "http://upstream.internal/api/admin/users",
    status: 400,
  },
  { name: "fragment", target: "/shop/customers#/../admin", status: 400 },
  { name: "HEAD of a denied GET path", method: "HEAD", target: "/shop/admin/users", status: 403 },
  { name: "OPTIONS of a denied path", method: "OPTIONS", target: "/shop/admin/users", status: 403 },
  {
    name: "target override header",
    target: "/shop/customers",
    headers: ["X-Original-URL: /api/admin/users"],
    status: 400,
  },
  {
    name: "rewrite header",
    target: "/shop/customers",
    headers: ["X-Rewrite-URL: /api/admin/users"],
    status: 400,
  },
];

const METHOD_CASES: Case[] = [
  { name: "DELETE itself", method: "DELETE", target: "/shop/customers/1", status: 403 },
  {
    name: "X-HTTP-Method-Override",
    method: "POST",
    target: "/shop/customers/1",
    headers: ["X-HTTP-Method-Override: DELETE"],
    status: 400,
  },
  {
    name: "X-HTTP-Method",
    method: "GET",
    target: "/shop/customers/1",
    headers: ["X-HTTP-Method: DELETE"],
    status: 400,
  },
  {
    name: "X-Method-Override",
    method: "GET",
    target: "/shop/customers/1",
    headers: ["X-Method-Override: DELETE"],
    status: 400,
  },
  {
    name: "_method query parameter",
    method: "POST",
    target: "/shop/customers/1?_method=DELETE",
    status: 400,
  },
  { name: "lower-case method", method: "delete", target: "/shop/customers/1", status: 400 },
  { name: "unknown method", method: "PURGE", target: "/shop/customers/1", status: 405 },
  { name: "TRACE", method: "TRACE", target: "/shop/customers/1", status: 405 },
];

const BODY_CASES: Case[] = [
  {
    name: "the field itself",
    method: "POST",
    target: "/shop/orders",
    headers: ["Content-Type: application/json"],
    body: '{"role":"admin"}',
    status: 403,
  },
  {
    name: "duplicate JSON keys",
    method: "POST",
    target: "/shop/orders",
    headers: ["Content-Type: application/json"],
    body: '{"role":"user","role":"admin"}',
    status: 400,
  },
  {
    name: "duplicate keys by escape",
    method: "POST",
    target: "/shop/orders",
    headers: ["Content-Type: application/json"],
    body: '{"role":"user","\\u0072ole":"admin"}',
    status: 400,
  },
  {
    name: "text/plain holding JSON",
    method: "POST",
    target: "/shop/orders",
    headers: ["Content-Type: text/plain"],
    body: '{"role":"admin"}',
    status: 415,
  },
  {
    name: "form-encoded",
    method: "POST",
    target: "/shop/orders",
    headers: ["Content-Type: application/x-www-form-urlencoded"],
    body: "role=admin",
    status: 415,
  },
  { name: "no content type", method: "POST", target: "/shop/orders", body: '{"role":"admin"}', status: 415 },
  {
    name: "two content types",
    method: "POST",
    target: "/shop/orders",
    headers: ["Content-Type: text/plain", "Content-Type: application/json"],
    body: '{"role":"admin"}',
    status: 400,
  },
  {
    name: "UTF-16 charset",
    method: "POST",
    target: "/shop/orders",
    headers: ["Content-Type: application/json; charset=utf-16"],
    body: '{"role":"admin"}',
    status: 415,
  },
  {
    name: "compressed request body",
    method: "POST",
    target: "/shop/orders",
    headers: ["Content-Type: application/json", "Content-Encoding: gzip"],
    body: '{"role":"admin"}',
    status: 415,
  },
  {
    name: "body on GET",
    method: "GET",
    target: "/shop/customers",
    headers: ["Content-Type: application/json"],
    body: '{"role":"admin"}',
    status: 400,
  },
  { name: "duplicate query keys", target: "/shop/customers?limit=1&limit=1000", status: 400 },
  { name: "query keys by case", target: "/shop/customers?limit=1&LIMIT=1000", status: 400 },
  { name: "semicolon query separator", target: "/shop/customers?limit=1;limit=1000", status: 400 },
  {
    name: "chunked and Content-Length together",
    method: "POST",
    target: "/shop/orders",
    headers: ["Content-Type: application/json", "Transfer-Encoding: chunked", "Content-Length: 4"],
    body: '10\r\n{"role":"admin"}\r\n0\r\n\r\n',
    status: 400,
  },
  {
    name: "unknown transfer coding",
    method: "POST",
    target: "/shop/orders",
    headers: ["Content-Type: application/json", "Transfer-Encoding: gzip, chunked"],
    body: '10\r\n{"role":"admin"}\r\n0\r\n\r\n',
    status: 400,
  },
  {
    name: "chunked with a chunk extension",
    method: "POST",
    target: "/shop/orders",
    headers: ["Content-Type: application/json", "Transfer-Encoding: chunked"],
    body: '10;ext=1\r\n{"role":"admin"}\r\n0\r\n\r\n',
    status: 403,
  },
  {
    name: "WebSocket upgrade",
    target: "/shop/customers",
    headers: [
      "Upgrade: websocket",
      "Connection: Upgrade",
      "Sec-WebSocket-Version: 13",
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    ],
    status: 400,
  },
];

describe("HTTP bypass corpus", () => {
  it.each([...PATH_CASES, ...METHOD_CASES, ...BODY_CASES])("$name: $target → $status", async (c) => {
    const before = harness.upstream.seen.length;
    const response = await rawHttp(
      harness.gateway.httpPort as number,
      requestText(harness.token, c.method ?? "GET", c.target, c.headers ?? [], c.body ?? ""),
    );
    expect(response.status).toBe(c.status);
    const reached = harness.upstream.seen.slice(before);
    expect(
      reached.filter(
        (call) =>
          ADMIN.test(decodeURIComponent(call.url)) || call.method === "DELETE" || call.body.includes("admin"),
      ),
    ).toEqual([]);
  });

  it("ignores the agent's Host header: the upstream gets its own", async () => {
    const before = harness.upstream.seen.length;
    const response = await rawHttp(
      harness.gateway.httpPort as number,
      requestText(harness.token, "GET", "/shop/customers/1", ["Host: evil.example"]).replace(
        "Host: gateway\r\n",
        "",
      ),
    );
    expect(response.status).toBe(200);
    expect(harness.upstream.seen[before]?.headers.host).toBe(`127.0.0.1:${harness.upstream.port}`);
  });

  it("asks the upstream for identity encoding whatever the agent accepts", async () => {
    const before = harness.upstream.seen.length;
    const response = await rawHttp(
      harness.gateway.httpPort as number,
      requestText(harness.token, "GET", "/shop/customers/1", ["Accept-Encoding: gzip, br"]),
    );
    expect(response.status).toBe(200);
    expect(harness.upstream.seen[before]?.headers["accept-encoding"]).toBe("identity");
    expect(response.body).not.toContain("ada@example.com");
  });

  it("judges each pipelined request on its own (a body cannot smuggle a second request)", async () => {
    const first = requestText(harness.token, "GET", "/shop/customers/1", []).replace(
      "Connection: close\r\n",
      "",
    );
    const second = requestText(harness.token, "GET", "/shop/admin/users", []);
    const response = await rawHttp(harness.gateway.httpPort as number, first + second);
    expect(response.raw).toMatch(/^HTTP\/1.1 200/);
    expect(response.raw).toContain("HTTP/1.1 403");
    expect(harness.upstream.seen.some((call) => ADMIN.test(call.url))).toBe(false);
  });

  it("refuses oversized headers with 431", async () => {
    const response = await rawHttp(
      harness.gateway.httpPort as number,
      requestText(harness.token, "GET", "/shop/customers", [`X-Big: ${"a".repeat(20_000)}`]),
    );
    expect(response.status).toBe(431);
  });
});
