import { loadHttpPolicies } from "@sluice/db/policy/load-http-policies";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AdminContext } from "../src/actor";
import { AdminError } from "../src/admin-error";
import { saveMaskingRule } from "../src/masking-rules";
import { saveReviewerGroup, saveReviewRule } from "../src/review-rules";
import { type AdminStore, createAdminStore, refusal } from "./support/admin-store";

const KEY = Buffer.alloc(32, 9);

describe("review rules for HTTP connections in the admin API", () => {
  let store: AdminStore;
  let admin: AdminContext;
  let httpId: string;
  let pgId: string;

  beforeAll(async () => {
    store = await createAdminStore({ roles: [{ idpGroup: "admins", role: "ADMIN" }], secretKey: KEY });
    admin = await store.contextFor("ada@example.test", ["admins"]);
    const base = { host: "127.0.0.1", port: 8080, database: "/api", username: "u" };
    httpId = (await store.prisma.connection.create({ data: { ...base, name: "crm", type: "HTTP" } })).id;
    pgId = (await store.prisma.connection.create({ data: { ...base, name: "db", database: "db" } })).id;
    await saveReviewerGroup(admin, { input: { name: "finance", idpGroup: "finance" } });
  });
  afterAll(() => store?.drop());

  it("saves an HTTP match on an HTTP connection, and the gateway's policy reads it", async () => {
    await saveReviewRule(admin, {
      input: {
        name: "refunds",
        connectionId: httpId,
        match: { methods: ["post"], path: "/orders/{id}/refund", body: { "$.amount": "*" } },
        reviewerGroups: ["finance"],
        isBlocking: false,
      },
    });
    const policy = (await loadHttpPolicies(store.prisma)).get(httpId);
    expect(policy?.invalidRules).toBeUndefined();
    expect(policy?.reviews).toEqual([
      {
        name: "refunds",
        match: { methods: ["POST"], path: "/orders/{id}/refund", body: { "$.amount": "*" } },
        reviewerGroups: ["finance"],
      },
    ]);
  });

  it("refuses a match of the wrong kind for the connection, and bad selectors", async () => {
    const save = (connectionId: string | null, match: object) =>
      refusal(
        saveReviewRule(admin, {
          input: { name: `r-${Math.random()}`, connectionId, match, reviewerGroups: ["finance"] },
        }),
      );
    expect((await save(httpId, { tables: ["orders"] })).fields?.match).toMatch(
      /methods, path, query or body/,
    );
    expect((await save(pgId, { path: "/orders" })).fields?.match).toMatch(/HTTP connection/);
    expect((await save(null, { path: "/orders" })).fields?.match).toMatch(/HTTP connection/);
    expect(await save(httpId, { path: "orders" })).toBeInstanceOf(AdminError);
    expect(await save(httpId, { body: { "$.items[?(@.x)]": "*" } })).toBeInstanceOf(AdminError);
    expect(await store.prisma.reviewRule.count()).toBe(1);
  });
});

describe("masking rules for HTTP connections in the admin API", () => {
  let store: AdminStore;
  let admin: AdminContext;

  beforeAll(async () => {
    store = await createAdminStore({ roles: [{ idpGroup: "admins", role: "ADMIN" }], secretKey: KEY });
    admin = await store.contextFor("ada@example.test", ["admins"]);
  });
  afterAll(() => store?.drop());

  it("takes a JSONPath or JSON Pointer field on an HTTP connection, and the gateway masks by it", async () => {
    const base = { host: "127.0.0.1", port: 8080, database: "/api", username: "u" };
    const http = await store.prisma.connection.create({ data: { ...base, name: "crm", type: "HTTP" } });
    const db = await store.prisma.connection.create({ data: { ...base, name: "db", database: "db" } });
    const save = (input: object) => saveMaskingRule(admin, { input: { strategy: "REDACT", ...input } });
    await save({ name: "ssn", connectionId: http.id, jsonPointer: "$..ssn" });
    const policy = (await loadHttpPolicies(store.prisma)).get(http.id);
    expect(policy?.invalidRules).toBeUndefined();
    expect(policy?.masking.map((rule) => rule.pointer)).toEqual(["$..ssn"]);
    expect(
      (await refusal(save({ name: "a", connectionId: db.id, jsonPointer: "/ssn" }))).fields.jsonPointer,
    ).toMatch(/HTTP connection/);
    expect(
      (await refusal(save({ name: "b", connectionId: http.id, columnSelector: "public.t.c" }))).fields
        .columnSelector,
    ).toMatch(/no columns/);
    expect(
      (await refusal(save({ name: "c", connectionId: http.id, jsonPointer: "$.a[?(@.b)]" }))).fields
        .jsonPointer,
    ).toMatch(/not a name/);
    expect(await refusal(save({ name: "d", jsonPointer: "/a", detector: "email" }))).toBeInstanceOf(
      AdminError,
    );
  });
});
