import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HttpHarness, startHttpHarness } from "./support/http-harness";
import { CUSTOMERS, SENSITIVE, UPSTREAM_KEY } from "./support/json-upstream";

let harness: HttpHarness;
type Refusal = { error: { rule: string; message: string; hint?: string } };

beforeAll(async () => {
  harness = await startHttpHarness();
  const connectionId = harness.connection.id;
  await harness.prisma.guardrailRule.createMany({
    data: [
      {
        connectionId,
        name: "no-admin",
        kind: "HTTP_REQUEST",
        match: { path: "/admin/**" },
        message: "use the public endpoints",
      },
      {
        connectionId,
        name: "no-deletes",
        kind: "HTTP_REQUEST",
        match: { methods: ["DELETE"], path: "/customers/{id}" },
      },
      {
        connectionId,
        name: "no-admin-orders",
        kind: "HTTP_REQUEST",
        match: { methods: ["POST"], path: "/orders", body: { "/role": "admin" } },
      },
    ],
  });
  await harness.prisma.maskingRule.createMany({
    data: [
      { connectionId, name: "ssn", jsonPointer: "/**/ssn", strategy: "REDACT" },
      { connectionId, name: "card", jsonPointer: "/customers/*/card", strategy: "PARTIAL", keepLast: 4 },
      { connectionId, name: "emails", detector: "email", strategy: "REDACT" },
      { connectionId, name: "cards", detector: "payment_card", strategy: "REDACT" },
      { connectionId, name: "ssns", detector: "us_ssn", strategy: "REDACT" },
    ],
  });
  await harness.reloadPolicy();
});
afterAll(() => harness?.stop());

function leaked(text: string): string[] {
  return SENSITIVE.filter((value) => text.includes(value));
}

describe("HTTP gateway: calls through Sluice", () => {
  it("relays a GET with the brokered key and masks the JSON it returns", async () => {
    const response = await harness.call("/shop/customers?limit=2");
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(leaked(text)).toEqual([]);
    const body = JSON.parse(text);
    expect(body.customers[0]).toEqual({
      id: 1,
      name: "Ada Lovelace",
      email: "[REDACTED]",
      ssn: "[REDACTED]",
      card: "************1111",
      note: "call [REDACTED]",
    });
    expect(body.query).toEqual({ limit: "2" });
    const seen = harness.upstream.seen.at(-1);
    expect(seen?.url).toBe("/api/customers?limit=2");
    expect(seen?.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(seen?.headers["accept-encoding"]).toBe("identity");
  });

  it("never passes the agent's token upstream nor the upstream's cookies and auth headers back", async () => {
    const response = await harness.call("/shop/customers", {
      headers: { cookie: "agent=1", "x-forwarded-for": "10.0.0.1" },
    });
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(response.headers.get("x-upstream-internal")).toBeNull();
    const seen = harness.upstream.seen.at(-1);
    expect(JSON.stringify(seen?.headers)).not.toContain(harness.token);
    expect(seen?.headers.cookie).toBeUndefined();
    expect(seen?.headers["x-forwarded-for"]).toBeUndefined();
    const redirect = await harness.call("/shop/redirect", { redirect: "manual" });
    expect(redirect.headers.get("location")).toBeNull();
  });

  it("refuses agents without a valid token, and agents outside the connection's groups", async () => {
    const none = await fetch(`${harness.base}/shop/customers`);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain("Bearer");
    const wrong = await fetch(`${harness.base}/shop/customers`, {
      headers: { authorization: `Bearer sk_${"x".repeat(43)}` },
    });
    expect(wrong.status).toBe(401);
    const other = await harness.prisma.agent.create({ data: { name: "outsider" } });
    void other;
    const { createAgent } = await import("@sluice/db/seed/create-agent");
    const outsider = await createAgent(harness.prisma, { name: "outsider-2", groups: ["marketing"] });
    const refused = await fetch(`${harness.base}/shop/customers`, {
      headers: { authorization: `Bearer ${outsider.token}` },
    });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as Refusal).error.rule).toBe("sluice:access");
  });

  it("takes basic auth AGENT:TOKEN", async () => {
    const basic = Buffer.from(`agent-a:${harness.token}`).toString("base64");
    const response = await fetch(`${harness.base}/shop/customers/2`, {
      headers: { authorization: `Basic ${basic}` },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: 2, email: "[REDACTED]" });
    const wrongName = Buffer.from(`someone-else:${harness.token}`).toString("base64");
    expect(
      (await fetch(`${harness.base}/shop/customers/2`, { headers: { authorization: `Basic ${wrongName}` } }))
        .status,
    ).toBe(401);
  });

  it("denies by rule with the rule's name, why and what to do", async () => {
    const response = await harness.call("/shop/admin/users");
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({
      error: {
        rule: "no-admin",
        message:
          'blocked by guardrail "no-admin" on connection shop: GET /admin/users matches path /admin/**',
        hint: "use the public endpoints",
      },
    });
    expect((await harness.call("/shop/customers/1", { method: "DELETE" })).status).toBe(403);
    expect(
      harness.upstream.seen.some((call) => call.url.startsWith("/api/admin") || call.method === "DELETE"),
    ).toBe(false);
  });

  it("judges JSON body fields and forwards the body it judged", async () => {
    const denied = await harness.call("/shop/orders", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sku: "A-1", role: "admin" }),
    });
    expect(denied.status).toBe(403);
    const allowed = await harness.call("/shop/orders", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sku: "A-1", role: "user" }),
    });
    expect(allowed.status).toBe(201);
    expect(await allowed.json()).toEqual({ received: { sku: "A-1", role: "user" } });
  });

  it("masks NDJSON with the detectors, and refuses text (field rules cannot be applied to it)", async () => {
    const ndjson = await (await harness.call("/shop/ndjson")).text();
    expect(leaked(ndjson)).toEqual([]);
    expect(
      ndjson
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line).name),
    ).toEqual(CUSTOMERS.map((c) => c.name));
    // Text is masked by the detectors on a connection without field rules (http-bypass-responses).
    const text = await harness.call("/shop/text");
    expect(text.status).toBe(502);
    expect(leaked(await text.text())).toEqual([]);
  });

  it("refuses what it cannot read: compressed, binary, and bodies that are not the JSON they claim", async () => {
    for (const target of ["/shop/gzip", "/shop/binary", "/shop/html-as-json"]) {
      const response = await harness.call(target);
      expect(response.status, target).toBe(502);
      const text = await response.text();
      expect(leaked(text), target).toEqual([]);
      expect(JSON.parse(text).error.rule).toBe("sluice:http-response");
    }
  });

  it("cuts a response that stops being JSON midway, so the agent sees a truncated transfer", async () => {
    const response = await harness.call("/shop/broken-midway");
    expect(response.status).toBe(200);
    const read = response.text();
    await expect(read).rejects.toThrow();
    expect(harness.logs.some((line) => line.includes("broken-midway cut"))).toBe(true);
  });

  it("streams a large response masked, chunked", async () => {
    const response = await harness.call("/shop/big?n=20000");
    expect(response.headers.get("transfer-encoding")).toBe("chunked");
    const body = (await response.json()) as { customers: unknown[] };
    expect(body.customers).toHaveLength(20000);
    expect(body.customers[19999]).toMatchObject({
      id: 19999,
      email: "[REDACTED]",
      ssn: "[REDACTED]",
      card: "************1111",
    });
  });

  it("sends a small body that came whole with its content-length, not chunked", async () => {
    const response = await harness.call("/shop/customers/2");
    expect(response.status).toBe(200);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(response.headers.get("transfer-encoding")).toBeNull();
    expect(response.headers.get("content-length")).toBe(String(bytes.length));
    expect(JSON.parse(bytes.toString("utf8"))).toMatchObject({ id: 2, email: "[REDACTED]" });
    const head = await harness.call("/shop/customers/2", { method: "HEAD" });
    expect(head.headers.get("content-length")).toBeNull();
  });

  it("answers HEAD without a body and keeps the connection alive across calls", async () => {
    const head = await harness.call("/shop/customers", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
  });

  it("applies read-only connections: GET, HEAD and OPTIONS only", async () => {
    await harness.prisma.connection.update({
      where: { id: harness.connection.id },
      data: { isReadOnly: true },
    });
    await harness.reloadPolicy();
    try {
      const response = await harness.call("/shop/orders", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      expect(response.status).toBe(403);
      expect(((await response.json()) as Refusal).error.rule).toBe("sluice:read-only");
      expect((await harness.call("/shop/customers/1")).status).toBe(200);
    } finally {
      await harness.prisma.connection.update({
        where: { id: harness.connection.id },
        data: { isReadOnly: false },
      });
      await harness.reloadPolicy();
    }
  });

  it("refuses bodies over the limit with 413", async () => {
    const response = await harness.call("/shop/orders", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ blob: "x".repeat(2 * 1024 * 1024) }),
    });
    expect(response.status).toBe(413);
  });
});
