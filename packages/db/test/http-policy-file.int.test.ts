import { randomBytes } from "node:crypto";
import { applyPolicy } from "@sluice/db/policy/apply-policy";
import { exportPolicy } from "@sluice/db/policy/export-policy";
import { loadHttpPolicies } from "@sluice/db/policy/load-http-policies";
import { loadPolicies } from "@sluice/db/policy/load-policies";
import { readPolicyFile } from "@sluice/policy/read-policy-file";
import { writePolicyFile } from "@sluice/policy/write-policy-file";
import { afterAll, describe, expect, it } from "vitest";
import { createTestStore } from "../../../test/support";

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

const FILE = `version: 1
agentGroups: [{ name: analysts }]
connections:
  - name: crm
    type: http
    host: crm.internal
    port: 443
    database: /api/v2
    passwordEnv: CRM_KEY
    tlsMode: VERIFY_FULL
    httpAuthKind: HEADER
    httpAuthHeader: X-Api-Key
    allowedGroups: [analysts]
    guardrails:
      - name: no-admin
        kind: HTTP_REQUEST
        match: { path: /admin/** }
        message: use the public endpoints
      - name: read-customers
        kind: HTTP_REQUEST
        effect: ALLOW
        match: { methods: [get], path: "/customers/{id}" }
    masking:
      - name: ssn
        jsonPointer: /**/ssn
      - name: emails
        detector: email
        strategy: HASH
  - name: shop
    host: db.internal
    port: 5432
    database: shop
    username: app
    guardrails:
      - name: no-drop
        kind: STATEMENT_KIND
        match: { kinds: [DROP] }
`;

function read(text: string) {
  const result = readPolicyFile(text);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.policy;
}

describe("HTTP connections as policy files", () => {
  it("applies HTTP rules and JSON Pointer masking, exports them back, and keeps them off the SQL path", async () => {
    const store = await createTestStore();
    cleanups.push(store.drop);
    const secretKey = randomBytes(32);
    await applyPolicy(store.prisma, { policy: read(FILE), secretKey, env: { CRM_KEY: "k" } });
    const crm = await store.prisma.connection.findUniqueOrThrow({ where: { name: "crm" } });
    expect(crm).toMatchObject({
      type: "HTTP",
      httpAuthKind: "HEADER",
      httpAuthHeader: "X-Api-Key",
      database: "/api/v2",
    });

    const http = (await loadHttpPolicies(store.prisma)).get(crm.id);
    expect(http?.invalidRules).toBeUndefined();
    expect(http?.rules.map((rule) => [rule.name, rule.effect, rule.match])).toEqual([
      ["no-admin", "DENY", { path: "/admin/**" }],
      ["read-customers", "ALLOW", { methods: ["GET"], path: "/customers/{id}" }],
    ]);
    expect(http?.masking.map((rule) => [rule.name, rule.pointer, rule.detector])).toEqual([
      ["ssn", "/**/ssn", null],
      ["emails", null, "email"],
    ]);

    const sql = await loadPolicies(store.prisma);
    expect(sql.invalid).toEqual([]);
    expect([...sql.policies.values()].map((policy) => policy.connectionName)).toEqual(["shop"]);

    const exported = writePolicyFile(await exportPolicy(store.prisma));
    expect(exported).toContain("jsonPointer: /**/ssn");
    expect(exported).toContain("kind: HTTP_REQUEST");
    expect(exported).toContain("httpAuthHeader: X-Api-Key");
    expect(read(exported).connections.find((c) => c.name === "crm")?.masking).toHaveLength(2);
  });

  it("refuses an HTTP rule that does not validate, with where", () => {
    const result = readPolicyFile(FILE.replace("match: { path: /admin/** }", "match: { path: admin }"));
    expect(result.ok).toBe(false);
    expect(JSON.stringify(!result.ok && result.errors)).toContain("starts with '/'");
    const pointer = readPolicyFile(FILE.replace("jsonPointer: /**/ssn", "jsonPointer: ssn"));
    expect(JSON.stringify(!pointer.ok && pointer.errors)).toContain("must start with '/'");
  });

  it("refuses every call on an HTTP connection with a SQL rule bound to it", async () => {
    const store = await createTestStore();
    cleanups.push(store.drop);
    await applyPolicy(store.prisma, {
      policy: read(FILE),
      secretKey: randomBytes(32),
      env: { CRM_KEY: "k" },
    });
    const crm = await store.prisma.connection.findUniqueOrThrow({ where: { name: "crm" } });
    await store.prisma.guardrailRule.create({
      data: { connectionId: crm.id, name: "tables", kind: "TABLE", match: { tables: ["x"] } },
    });
    expect((await loadHttpPolicies(store.prisma)).get(crm.id)?.invalidRules).toContain("TABLE rule");
  });
});
