import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HttpHarness, startHttpHarness } from "./support/http-harness";
import { CUSTOMERS } from "./support/json-upstream";
import { rawHttp, requestText } from "./support/raw-http";

/**
 * A red-team round on the HTTP path, written byte for byte. Responses: other representations of
 * masked data (text the agent asks for with Accept, JSON served as text), JSON spelled the ways
 * readers disagree on, encodings the gateway did not ask for, values in headers, trailers and
 * informational responses. Requests: the rule's reading against the upstream's (member names by
 * case, NUL, encodings, method overrides, framing). Every case is refused, masked, or reaches the
 * upstream only in the form the rule judged; the corpus only grows.
 */
let fields: HttpHarness;
let detectors: HttpHarness;

/** What field rules mask (names, SSNs, cards), as the upstream holds them. */
const FIELD_VALUES = CUSTOMERS.flatMap((c) => [c.name, c.ssn, c.card, String(c.ssn).replace(/-/g, "")]);
/** What the detectors mask (emails, SSNs, cards). */
const DETECTED_VALUES = CUSTOMERS.flatMap((c) => [c.email, c.ssn, c.card]).concat("ada.l@example.org");
const leaked = (text: string, values: readonly string[]) => values.filter((value) => text.includes(value));

beforeAll(async () => {
  fields = await startHttpHarness();
  const connectionId = fields.connection.id;
  await fields.prisma.guardrailRule.createMany({
    data: [
      { connectionId, name: "no-admin", kind: "HTTP_REQUEST", match: { path: "/admin/**" } },
      { connectionId, name: "no-deletes", kind: "HTTP_REQUEST", match: { methods: ["DELETE"] } },
      { connectionId, name: "no-admin-role", kind: "HTTP_REQUEST", match: { body: { "/role": "admin" } } },
      { connectionId, name: "no-big-pages", kind: "HTTP_REQUEST", match: { query: { limit: "1000" } } },
      {
        connectionId,
        name: "no-refunds",
        kind: "HTTP_REQUEST",
        match: { methods: ["POST"], path: "/orders/{id}/refund" },
      },
    ],
  });
  await fields.prisma.maskingRule.createMany({
    data: [
      { connectionId, name: "ssn", jsonPointer: "/**/ssn", strategy: "REDACT" },
      { connectionId, name: "names", jsonPointer: "/**/name", strategy: "REDACT" },
      { connectionId, name: "card", jsonPointer: "/**/card", strategy: "REDACT" },
    ],
  });
  await fields.reloadPolicy();
  detectors = await startHttpHarness();
  await detectors.prisma.maskingRule.createMany({
    data: [
      { connectionId: detectors.connection.id, name: "emails", detector: "email", strategy: "REDACT" },
      { connectionId: detectors.connection.id, name: "ssns", detector: "us_ssn", strategy: "REDACT" },
      { connectionId: detectors.connection.id, name: "cards", detector: "payment_card", strategy: "REDACT" },
    ],
  });
  await detectors.reloadPolicy();
});
afterAll(async () => {
  await fields?.stop();
  await detectors?.stop();
});

const call = (harness: HttpHarness, method: string, target: string, headers: string[] = [], body = "") =>
  rawHttp(harness.gateway.httpPort as number, requestText(harness.token, method, target, headers, body));

describe("responses under field rules: masked as JSON, or refused", () => {
  it.each([
    ["/shop/json-as-text", []],
    ["/shop/text-json", []],
    ["/shop/text", []],
    ["/shop/negotiated", ["Accept: text/csv"]],
    ["/shop/negotiated", ["Accept: text/html"]],
    ["/shop/bom", []],
    ["/shop/utf16", []],
    ["/shop/latin1", []],
    ["/shop/deep", []],
    ["/shop/two-encodings", []],
    ["/shop/gzip", []],
    ["/shop/gzip-text", []],
    ["/shop/deflate", []],
    ["/shop/br", []],
    ["/shop/gzip-no-header", []],
    ["/shop/two-types", []],
    ["/shop/html-as-json", []],
    ["/shop/binary", []],
  ] as Array<[string, string[]]>)("%s %j is refused (502)", async (target, headers) => {
    const response = await call(fields, "GET", target, headers);
    expect(response.status).toBe(502);
    expect(leaked(response.raw, FIELD_VALUES)).toEqual([]);
  });

  it.each([
    ["/shop/negotiated", 200, '{"customers":[{"id":1,"name":"[REDACTED]"'],
    ["/shop/escaped-keys", 200, '{"customers":[{"id":1,"s\\u0073n":"[REDACTED]"}]}'],
    ["/shop/duplicate-keys", 200, '{"ssn":"[REDACTED]","ssn":"[REDACTED]"}'],
    ["/shop/ssn-number", 200, '{"ssn":"[REDACTED]","card":"[REDACTED]"}'],
    ["/shop/ssn-object", 200, '{"ssn":"[REDACTED]"}'],
    ["/shop/problem", 200, '{"detail":{"ssn":"[REDACTED]"}}'],
    ["/shop/error-json", 500, '{"error":"boom","ssn":"[REDACTED]"}'],
    ["/shop/customers", 200, '"ssn":"[REDACTED]"'],
    ["/shop/ndjson", 200, '"ssn":"[REDACTED]"'],
  ] as Array<[string, number, string]>)("%s is masked as JSON", async (target, status, shown) => {
    const response = await call(fields, "GET", target);
    expect(response.status).toBe(status);
    expect(response.body).toContain(shown);
    expect(leaked(response.raw, FIELD_VALUES)).toEqual([]);
  });

  it("Range never reaches the upstream: a slice of a document is another document", async () => {
    const before = fields.upstream.seen.length;
    const response = await call(fields, "GET", "/shop/ranged", ["Range: bytes=9-22", "If-Range: x"]);
    expect(response.status).toBe(200);
    expect(response.body).toBe('{"name":"[REDACTED]"}');
    expect(fields.upstream.seen[before]?.headers.range).toBeUndefined();
  });

  it("unlisted headers never reach the agent (listed ones are scanned by detectors, below)", async () => {
    const response = await call(fields, "GET", "/shop/header-values");
    expect(response.status).toBe(200);
    for (const name of ["x-customer-email", "link", "set-cookie"])
      expect(response.headers.has(name), name).toBe(false);
  });

  it.each(["/shop/trailers", "/shop/early-hints", "/shop/redirect-with-value"])(
    "%s: trailers, informational responses and unlisted headers never reach the agent",
    async (target) => {
      const response = await call(fields, "GET", target);
      expect(response.raw).not.toMatch(/ada@example\.com|123-45-6789|x-customer-email|^link:/im);
      expect(response.raw).not.toContain("HTTP/1.1 103");
    },
  );

  it("HEAD: headers only, no body", async () => {
    const response = await call(fields, "HEAD", "/shop/customers");
    expect(response.status).toBe(200);
    expect(response.body).toBe("");
    expect(response.headers.has("set-cookie")).toBe(false);
  });
});

describe("responses under detector rules: every value scanned, headers too", () => {
  it.each([
    ["/shop/text", []],
    ["/shop/json-as-text", []],
    ["/shop/text-json", []],
    ["/shop/negotiated", ["Accept: text/csv"]],
    ["/shop/negotiated", ["Accept: text/html"]],
    ["/shop/escaped-values", []],
    ["/shop/json-in-string", []],
    ["/shop/customers", []],
    ["/shop/ndjson", []],
  ] as Array<[string, string[]]>)("%s %j is masked", async (target, headers) => {
    const response = await call(detectors, "GET", target, headers);
    expect(response.status).toBe(200);
    expect(response.body).toContain("[REDACTED]");
    expect(leaked(response.raw, DETECTED_VALUES)).toEqual([]);
  });

  it("a shown header holding a detected value is dropped (ETag, Content-Language, X-Request-Id)", async () => {
    const response = await call(detectors, "GET", "/shop/header-values");
    expect(response.status).toBe(200);
    expect(leaked(response.raw, DETECTED_VALUES)).toEqual([]);
    for (const name of ["etag", "content-language", "x-request-id", "x-customer-email", "link"])
      expect(response.headers.has(name), name).toBe(false);
    expect(response.headers.get("content-type")).toEqual(["application/json"]);
  });

  it("the same header on HEAD", async () => {
    const response = await call(detectors, "HEAD", "/shop/customers");
    expect(leaked(response.raw, DETECTED_VALUES)).toEqual([]);
  });
});

type RequestCase = {
  name: string;
  method?: string;
  target: string;
  headers?: string[];
  body?: string;
  status: number;
};

const QUERY_CASES: RequestCase[] = [
  { name: "the parameter itself", target: "/shop/customers?limit=1000", status: 403 },
  { name: "encoded name", target: "/shop/customers?%6cimit=1000", status: 403 },
  { name: "encoded value", target: "/shop/customers?limit=%31000", status: 403 },
  { name: "name by case", target: "/shop/customers?Limit=1000", status: 403 },
  { name: "given twice", target: "/shop/customers?limit=1000&limit=1", status: 400 },
  { name: "array form", target: "/shop/customers?limit[]=1000", status: 400 },
  { name: "raw space", target: "/shop/customers?limit= 1000", status: 400 },
  { name: "NUL after the value", target: "/shop/customers?limit=1000%00", status: 400 },
  { name: "NUL in the name", target: "/shop/customers?limit%00=1000", status: 400 },
  { name: "NUL inside the value", target: "/shop/customers?limit=1%0000", status: 400 },
];

const JSON_HEADERS = ["Content-Type: application/json"];
const BODY_CASES: Array<Pick<RequestCase, "name" | "body" | "status">> = [
  { name: "member name by case", body: '{"Role":"admin"}', status: 403 },
  { name: "member name upper case", body: '{"ROLE":"admin"}', status: 403 },
  { name: "two names equal but for case", body: '{"role":"user","ROLE":"admin"}', status: 400 },
  { name: "two names by escape and case", body: '{"role":"user","R\\u006fle":"admin"}', status: 400 },
  { name: "escaped value", body: '{"role":"\\u0061dmin"}', status: 403 },
  { name: "escaped last letter", body: '{"role":"adm\\u0069n"}', status: 403 },
  { name: "escaped solidus-free name", body: '{"r\\u006fle":"admin"}', status: 403 },
  { name: "spaces around the colon", body: '{"role" : "admin"}', status: 403 },
  { name: "space before the brace", body: '{"role":"admin" }', status: 403 },
  { name: "trailing whitespace", body: '{"role":"admin"}  \n', status: 403 },
  { name: "NUL after the value", body: '{"role":"admin\\u0000"}', status: 400 },
  { name: "NUL inside the name", body: '{"ro\\u0000le":"admin"}', status: 400 },
  { name: "byte order mark", body: '\uFEFF{"role":"admin"}', status: 400 },
  { name: "the same name twice", body: '{"role":"admin","role":"admin"}', status: 400 },
  { name: "trailing comma", body: '{"role":"admin",}', status: 400 },
  { name: "single quotes", body: "{'role':'admin'}", status: 400 },
  { name: "a comment", body: '{"role":"admin" /* x */}', status: 400 },
  { name: "two documents", body: '{"role":"user"}{"role":"admin"}', status: 400 },
  { name: "NaN", body: '{"role":"admin","n":NaN}', status: 400 },
  { name: "lone surrogate escape", body: '{"role":"admin","x":"\\udc00"}', status: 400 },
];
const CONTENT_TYPE_CASES: Array<[string, number]> = [
  ["application/vnd.api+json", 403],
  ["APPLICATION/JSON", 403],
  ["application/json; charset=UTF-8", 403],
  ['application/json;charset="utf-8"', 403],
  ["application/merge-patch+json", 403],
  ["application/x-json", 415],
  ["text/json", 415],
  ["application/json, text/plain", 415],
  ["multipart/form-data; boundary=x", 415],
  ["application/json; charset=utf-16le", 415],
  ["application/json; charset=latin1", 415],
  ["application/x-ndjson", 415],
];

const PATH_CASES: RequestCase[] = [
  { name: "encoded upper-case letter", target: "/shop/%41DMIN/users", status: 403 },
  { name: "dot and encoded dot", target: "/shop/customers/.%2e/admin/users", status: 403 },
  { name: "upper-case encoded dots", target: "/shop/customers/%2E%2E/admin/users", status: 403 },
  { name: "encoded last letter", target: "/shop/adm%69n", status: 403 },
  { name: "the prefix itself", target: "/shop/admin", status: 403 },
  { name: "dot-dot in the query only", target: "/shop/admin?x=/../", status: 403 },
  { name: "Tomcat's ..;", target: "/shop/customers/..;/admin/users", status: 400 },
  { name: "encoded leading slash", target: "/shop/%2fadmin/users", status: 400 },
  { name: "double-encoded slash", target: "/shop/admin%252fusers", status: 400 },
  { name: "encoded tab", target: "/shop/admin%09/users", status: 400 },
  { name: "raw backslash before", target: "/shop/\\admin/users", status: 400 },
  { name: "raw backslash between", target: "/shop/admin\\users", status: 400 },
  { name: "asterisk-form", target: "*", status: 400 },
  { name: "encoded NUL at the end", target: "/shop/admin/users%00", status: 400 },
  { name: "encoded CR LF", target: "/shop/admin%0d%0aX:%20y/users", status: 400 },
];

const SUFFIX_CASES: RequestCase[] = [
  { name: "format suffix on a denied prefix", target: "/shop/admin.json", status: 403 },
  {
    name: "format suffix on a denied action",
    method: "POST",
    target: "/shop/orders/1/refund.json",
    status: 403,
  },
  { name: "upper-case suffix", method: "POST", target: "/shop/orders/1/REFUND.XML", status: 403 },
  { name: "trailing dot", method: "POST", target: "/shop/orders/1/refund.", status: 403 },
  { name: "trailing encoded space", method: "POST", target: "/shop/orders/1/refund%20", status: 403 },
  { name: "trailing dots and spaces", method: "POST", target: "/shop/orders/1/refund.%20.", status: 403 },
];

const METHOD_CASES: RequestCase[] = [
  {
    name: "override in lower case",
    method: "POST",
    target: "/shop/customers/1",
    headers: ["X-HTTP-Method-Override: delete"],
    status: 400,
  },
  {
    name: "override header name in lower case",
    method: "POST",
    target: "/shop/customers/1",
    headers: ["x-http-method-override: DELETE"],
    status: 400,
  },
  {
    name: "X-Original-Method",
    method: "GET",
    target: "/shop/customers/1",
    headers: ["X-Original-Method: DELETE"],
    status: 400,
  },
  {
    name: "override without a space",
    method: "POST",
    target: "/shop/customers/1",
    headers: ["X-HTTP-Method-Override:DELETE"],
    status: 400,
  },
  {
    name: "_method lower-case value",
    method: "POST",
    target: "/shop/customers/1?_method=delete",
    status: 400,
  },
  { name: "_METHOD", method: "POST", target: "/shop/customers/1?_METHOD=DELETE", status: 400 },
  { name: "encoded _method", method: "POST", target: "/shop/customers/1?%5fmethod=DELETE", status: 400 },
  { name: "_method second", method: "POST", target: "/shop/customers/1?x=1&_method=DELETE", status: 400 },
  { name: "two spaces after the method", method: "DELETE ", target: "/shop/customers/1", status: 403 },
];

const FRAMING_CASES: RequestCase[] = [
  {
    name: "two Content-Length headers",
    method: "POST",
    target: "/shop/orders",
    headers: [...JSON_HEADERS, "Content-Length: 16", "Content-Length: 2"],
    body: '{"role":"admin"}',
    status: 400,
  },
  {
    name: "Content-Length with a sign",
    method: "POST",
    target: "/shop/orders",
    headers: [...JSON_HEADERS, "Content-Length: +16"],
    body: '{"role":"admin"}',
    status: 400,
  },
  {
    name: "Transfer-Encoding folded onto the next line",
    method: "POST",
    target: "/shop/orders",
    headers: [...JSON_HEADERS, "Transfer-Encoding:", " chunked"],
    body: '10\r\n{"role":"admin"}\r\n0\r\n\r\n',
    status: 400,
  },
  {
    name: "xchunked",
    method: "POST",
    target: "/shop/orders",
    headers: [...JSON_HEADERS, "Transfer-Encoding: xchunked"],
    body: '10\r\n{"role":"admin"}\r\n0\r\n\r\n',
    status: 400,
  },
  {
    name: "chunked twice",
    method: "POST",
    target: "/shop/orders",
    headers: [...JSON_HEADERS, "Transfer-Encoding: chunked", "Transfer-Encoding: chunked"],
    body: '10\r\n{"role":"admin"}\r\n0\r\n\r\n',
    status: 400,
  },
  {
    name: "a space before the colon",
    method: "POST",
    target: "/shop/orders",
    headers: [...JSON_HEADERS, "Transfer-Encoding : chunked"],
    body: '10\r\n{"role":"admin"}\r\n0\r\n\r\n',
    status: 400,
  },
  {
    name: "keep-alive with a denied body",
    method: "POST",
    target: "/shop/orders",
    headers: [...JSON_HEADERS, "Connection: keep-alive"],
    body: '{"role":"admin"}',
    status: 403,
  },
];

const ADMIN = /admin/i;

describe("requests: the rule reads what the upstream would", () => {
  const cases: RequestCase[] = [
    ...QUERY_CASES,
    ...BODY_CASES.map((c) => ({ ...c, method: "POST", target: "/shop/orders", headers: JSON_HEADERS })),
    ...CONTENT_TYPE_CASES.map(([type, status]) => ({
      name: `Content-Type ${type}`,
      method: "POST",
      target: "/shop/orders",
      headers: [`Content-Type: ${type}`],
      body: '{"role":"admin"}',
      status,
    })),
    ...PATH_CASES,
    ...SUFFIX_CASES.map((c) => ({ ...c, headers: JSON_HEADERS, body: c.method === "POST" ? "{}" : "" })),
    ...METHOD_CASES,
    ...FRAMING_CASES,
  ];
  it.each(cases)("$name: $method $target → $status", async (c) => {
    const before = fields.upstream.seen.length;
    const response = await call(fields, c.method ?? "GET", c.target, c.headers ?? [], c.body ?? "");
    expect(response.status).toBe(c.status);
    const reached = fields.upstream.seen.slice(before);
    expect(
      reached.filter(
        (seen) =>
          ADMIN.test(decodeURIComponent(seen.url)) ||
          seen.method === "DELETE" ||
          /admin/i.test(seen.body) ||
          /refund/i.test(seen.url) ||
          /limit=1000\b/i.test(seen.url),
      ),
    ).toEqual([]);
  });

  it("Expect: 100-continue does not let a denied body through", async () => {
    const before = fields.upstream.seen.length;
    const response = await call(
      fields,
      "POST",
      "/shop/orders",
      [...JSON_HEADERS, "Expect: 100-continue"],
      '{"role":"admin"}',
    );
    expect(response.raw).toContain("HTTP/1.1 403");
    expect(fields.upstream.seen.slice(before)).toEqual([]);
  });

  it("an allowed body whose member names differ from the rule's only by case still reaches the upstream as sent", async () => {
    const before = fields.upstream.seen.length;
    const response = await call(fields, "POST", "/shop/orders", JSON_HEADERS, '{"Role":"user"}');
    expect(response.status).toBe(201);
    expect(fields.upstream.seen[before]?.body).toBe('{"Role":"user"}');
  });
});
