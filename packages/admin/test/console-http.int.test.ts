import type { PrismaClient } from "@sluice/db/prisma";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestStore } from "../../../test/support";
import type { Actor, AdminContext } from "../src/actor";
import { AdminError } from "../src/admin-error";
import { actorForUser } from "../src/api-tokens";
import { saveGuardrail } from "../src/guardrail-rules";
import { saveMaskingRule } from "../src/masking-rules";
import { saveReviewerGroup, saveReviewRule } from "../src/review-rules";
import { saveAgent } from "../src/save-agent";
import { saveConnection } from "../src/save-connection";
import { tryHttpRequest } from "../src/try-http-request";
import { recordSignIn } from "../src/users";

const KEY = Buffer.alloc(32, 7);

async function refusal(promise: Promise<unknown>): Promise<AdminError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AdminError);
  return error as AdminError;
}

const httpInput = (fields: Record<string, unknown> = {}) => ({
  type: "HTTP",
  name: "crm",
  host: "crm.internal",
  port: 443,
  database: "/api/v2",
  password: "crm-secret",
  tlsMode: "VERIFY_FULL",
  httpAuthKind: "HEADER",
  httpAuthHeader: "X-Api-Key",
  httpTimeoutSeconds: 45,
  allowedGroups: ["support"],
  ...fields,
});

describe("MySQL and HTTP connections and HTTP calls in the admin API", () => {
  let store: { prisma: PrismaClient; drop: () => Promise<void> };
  let admin: AdminContext;
  let crmId: string;

  beforeAll(async () => {
    store = await createTestStore();
    await store.prisma.roleMapping.create({ data: { idpGroup: "admins", role: "ADMIN" } });
    const user = await recordSignIn(store.prisma, {
      issuer: "https://idp.test",
      subject: "ada",
      email: "ada@example.test",
      groups: ["admins"],
    });
    if (!user) throw new Error("no role");
    admin = { db: store.prisma, actor: (await actorForUser(store.prisma, user.id)) as Actor, secretKey: KEY };
    await saveReviewerGroup(admin, { input: { name: "finance", idpGroup: "finance" } });
  });
  afterAll(() => store?.drop());

  it("stores an HTTP connection's base path, secret header and timeout, and never returns the secret", async () => {
    const saved = await saveConnection(admin, { input: httpInput() });
    crmId = saved.id;
    expect(saved).toMatchObject({
      type: "HTTP",
      database: "/api/v2",
      httpAuthKind: "HEADER",
      httpAuthHeader: "X-Api-Key",
      httpTimeoutSeconds: 45,
      hasPassword: true,
    });
    expect(JSON.stringify(saved)).not.toContain("crm-secret");
    const row = await store.prisma.connection.findUniqueOrThrow({ where: { id: saved.id } });
    expect(row.passwordCipher).not.toContain("crm-secret");
  });

  it("stores a MySQL connection, and refuses HTTP fields on it next to each field", async () => {
    const mysql = await saveConnection(admin, {
      input: {
        type: "MYSQL",
        name: "shop-my",
        host: "db",
        port: 3306,
        database: "shop",
        username: "app",
        password: "pw",
      },
    });
    expect(mysql).toMatchObject({ type: "MYSQL", port: 3306, httpAuthKind: null });
    const error = await refusal(
      saveConnection(admin, {
        id: mysql.id,
        input: {
          type: "MYSQL",
          name: "shop-my",
          host: "db",
          port: 3306,
          database: "shop",
          username: "app",
          httpTimeoutSeconds: 5,
        },
      }),
    );
    expect(error.fields.httpTimeoutSeconds).toMatch(/only HTTP/);
  });

  it("names the HTTP fields that are wrong, and keeps the stored secret only where it was typed for", async () => {
    const bad = await refusal(
      saveConnection(admin, {
        input: httpInput({ name: "bad", database: "api", httpAuthHeader: "Host", httpTimeoutSeconds: 0 }),
      }),
    );
    expect(Object.keys(bad.fields).sort()).toEqual(["httpTimeoutSeconds"]);
    const kinds = await refusal(
      saveConnection(admin, { input: httpInput({ name: "bad", database: "api", httpAuthHeader: "Host" }) }),
    );
    expect(Object.keys(kinds.fields).sort()).toEqual(["database", "httpAuthHeader"]);
    // Sending the secret as a bearer token instead of in its header needs it typed again.
    const moved = await refusal(
      saveConnection(admin, {
        id: crmId,
        input: httpInput({ password: "", httpAuthKind: "BEARER", httpAuthHeader: null }),
      }),
    );
    expect(moved.fields.password).toMatch(/type the password again/);
    const kept = await saveConnection(admin, {
      id: crmId,
      input: httpInput({ password: "", httpTimeoutSeconds: null }),
    });
    expect(kept.httpTimeoutSeconds).toBeNull();
    expect(await store.prisma.connection.count({ where: { name: "bad" } })).toBe(0);
  });

  it("asks an HTTP connection for an upstream user only with basic auth, next to the field", async () => {
    const bearer = await saveConnection(admin, {
      input: httpInput({ name: "api-bearer", httpAuthKind: "BEARER", httpAuthHeader: null }),
    });
    expect(bearer.username).toBe("");
    const none = await saveConnection(admin, {
      input: httpInput({ name: "api-open", httpAuthKind: null, httpAuthHeader: null, password: "" }),
    });
    expect(none).toMatchObject({ username: "", hasPassword: false });
    const basic = await refusal(
      saveConnection(admin, {
        input: httpInput({ name: "api-basic", httpAuthKind: "BASIC", httpAuthHeader: null }),
      }),
    );
    expect(basic.fields).toEqual({ username: "basic authentication sends user:secret: type the user" });
    const extra = await refusal(
      saveConnection(admin, { input: httpInput({ name: "api-user", username: "svc" }) }),
    );
    expect(extra.fields).toEqual({ username: "only basic authentication sends a user: leave it empty" });
    // A user stored when every connection needed one is dropped on the next edit, not refused, and
    // the stored secret stays (no user is sent either way).
    await store.prisma.connection.update({ where: { id: bearer.id }, data: { username: "legacy" } });
    const edited = await saveConnection(admin, { id: bearer.id, input: { description: "billing API" } });
    expect(edited).toMatchObject({ username: "", description: "billing API", hasPassword: true });
    const database = await refusal(
      saveConnection(admin, {
        input: { type: "POSTGRES", name: "no-user", host: "db", port: 5432, database: "shop" },
      }),
    );
    expect(database.fields).toEqual({ username: "required: the user Sluice logs in as" });
  });

  it("judges a call as the HTTP listener would: guardrails, allow-lists and masking by field", async () => {
    await saveGuardrail(admin, {
      input: {
        name: "no-admin",
        connectionId: crmId,
        kind: "HTTP_REQUEST",
        match: { path: "/admin/**" },
        message: "use the public endpoints",
      },
    });
    await saveMaskingRule(admin, {
      input: { name: "ssn", connectionId: crmId, jsonPointer: "$..ssn", exemptGroups: ["support"] },
    });
    const denied = await tryHttpRequest(admin, {
      input: { connectionId: crmId, method: "GET", path: "/Admin/users" },
    });
    expect(denied.verdict).toMatchObject({
      kind: "deny",
      rule: "no-admin",
      status: 403,
      hint: "use the public endpoints",
    });
    expect(denied.verdict.kind === "deny" && denied.verdict.message).toContain(
      "GET /Admin/users matches path /admin/**",
    );

    const allowed = await tryHttpRequest(admin, {
      input: { connectionId: crmId, method: "GET", path: "/customers/42?expand=orders" },
    });
    expect(allowed).toMatchObject({
      verdict: { kind: "allow" },
      call: "GET /crm/customers/42?expand=orders",
      masking: ["field $..ssn"],
    });
    const agent = await saveAgent(admin, { input: { name: "helpdesk", groups: ["support"] } });
    const exempt = await tryHttpRequest(admin, {
      input: { connectionId: crmId, agentId: agent.id, method: "GET", path: "/customers/42" },
    });
    expect(exempt.masking).toEqual([]);
  });

  it("refuses what the gateway cannot read one way, with the gateway's own rule", async () => {
    const encoded = await tryHttpRequest(admin, {
      input: { connectionId: crmId, method: "GET", path: "/a%2Fb" },
    });
    expect(encoded.verdict).toMatchObject({ kind: "deny", status: 400 });
    expect(encoded.call).toBeNull();
    const twice = await tryHttpRequest(admin, {
      input: { connectionId: crmId, method: "POST", path: "/orders", body: '{"a": 1, "a": 2}' },
    });
    expect(twice.verdict.kind).toBe("deny");
  });

  it("judges the headers typed with a call as the listener judges an agent's", async () => {
    const tried = (headers: string, method = "GET", body: string | null = null) =>
      tryHttpRequest(admin, { input: { connectionId: crmId, method, path: "/customers", headers, body } });
    expect((await tried("Accept: application/json\n\nX-Request-Id: 7")).verdict.kind).toBe("allow");
    expect((await tried("X-HTTP-Method-Override: DELETE")).verdict).toMatchObject({
      kind: "deny",
      rule: "sluice:http-method-override",
      status: 400,
    });
    expect((await tried("Upgrade: websocket")).verdict).toMatchObject({ rule: "sluice:http-upgrade" });
    // A Content-Type typed here is the one judged: no JSON default over it.
    expect((await tried("Content-Type: text/plain", "POST", '{"a": 1}')).verdict).toMatchObject({
      kind: "deny",
      status: 415,
    });
    expect((await tried("", "POST", '{"a": 1}')).verdict.kind).toBe("allow");
    const unreadable = await refusal(tried("Accept application/json"));
    expect(unreadable.fields.headers).toBe("line 1 is not a header (Name: value)");
  });

  it("reports a call a review rule matches as a hold, blocking or not, without filing a review", async () => {
    await saveReviewRule(admin, {
      input: {
        name: "refunds",
        connectionId: crmId,
        match: { methods: ["POST"], path: "/orders/{id}/refund" },
        reviewerGroups: ["finance"],
        timeoutSeconds: 900,
      },
    });
    const held = await tryHttpRequest(admin, {
      input: { connectionId: crmId, method: "POST", path: "/orders/7/refund", body: '{"amount": 12}' },
    });
    expect(held.verdict).toMatchObject({
      kind: "hold",
      rule: "refunds",
      reviewerGroups: ["finance"],
      isBlocking: true,
      timeoutSeconds: 900,
    });
    await store.prisma.reviewRule.updateMany({ where: { name: "refunds" }, data: { isBlocking: false } });
    const refused = await tryHttpRequest(admin, {
      input: { connectionId: crmId, method: "POST", path: "/orders/7/refund", body: '{"amount": 12}' },
    });
    expect(refused.verdict).toMatchObject({ kind: "hold", isBlocking: false });
    expect(await store.prisma.review.count()).toBe(0);
  });

  it("refuses a call on a database connection, and a read-only HTTP connection refuses writes", async () => {
    const db = await store.prisma.connection.findUniqueOrThrow({ where: { name: "shop-my" } });
    const wrong = await refusal(
      tryHttpRequest(admin, { input: { connectionId: db.id, method: "GET", path: "/" } }),
    );
    expect(wrong.fields.connectionId).toMatch(/HTTP connection/);
    await saveConnection(admin, { id: crmId, input: httpInput({ password: "", isReadOnly: true }) });
    const write = await tryHttpRequest(admin, {
      input: { connectionId: crmId, method: "DELETE", path: "/customers/1" },
    });
    expect(write.verdict).toMatchObject({ kind: "deny", rule: "sluice:read-only" });
  });
});
