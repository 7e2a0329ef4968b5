import { readFileSync } from "node:fs";
import path from "node:path";
import { policyJsonSchema } from "@sluice/policy/policy-file";
import { readPolicyFile } from "@sluice/policy/read-policy-file";
import { describe, expect, it } from "vitest";

const DOCS = path.resolve(import.meta.dirname, "../../../docs");

describe("policy file docs stay true", () => {
  it("the complete example in docs/policy.md validates", () => {
    const markdown = readFileSync(path.join(DOCS, "policy.md"), "utf8");
    const example = /```yaml\n([\s\S]*?)```/.exec(markdown)?.[1] ?? "";
    const result = readPolicyFile(example);
    expect(result.ok ? [] : result.errors).toEqual([]);
    expect(result.ok && result.policy.connections[0]?.guardrails).toHaveLength(4);
  });

  it("docs/policy.schema.json is the schema the code generates", () => {
    const committed = JSON.parse(readFileSync(path.join(DOCS, "policy.schema.json"), "utf8"));
    expect(committed).toEqual(policyJsonSchema());
  });

  it("reads ALLOW SETTING values, and refuses values on a DENY rule at the field", () => {
    const file = (effect: string) =>
      readPolicyFile(
        [
          "version: 1",
          "connections:",
          "  - name: shop",
          "    type: postgres",
          "    host: 127.0.0.1",
          "    port: 5432",
          "    database: shop",
          "    username: app",
          "    guardrails:",
          "      - name: isolation-levels",
          "        kind: SETTING",
          `        effect: ${effect}`,
          "        match: { settings: [default_transaction_isolation], values: [serializable, 'read *'] }",
        ].join("\n"),
      );
    const allowed = file("ALLOW");
    expect(allowed.ok ? allowed.policy.connections[0]?.guardrails[0]?.match : allowed.errors).toEqual({
      settings: ["default_transaction_isolation"],
      values: ["serializable", "read *"],
    });
    const denied = file("DENY");
    expect(denied.ok).toBe(false);
    expect(denied.ok ? [] : denied.errors.map((error) => error.message)).toEqual([
      expect.stringMatching(/match\.values: values narrow an ALLOW rule/),
    ]);
  });

  it("refuses guardrail and review patterns that can never match, at the field", () => {
    const result = readPolicyFile(
      [
        "version: 1",
        "connections:",
        "  - name: shop",
        "    type: postgres",
        "    host: 127.0.0.1",
        "    port: 5432",
        "    database: shop",
        "    username: app",
        "    guardrails:",
        "      - { name: no-salary, kind: COLUMN, effect: DENY, match: { columns: ['*.employees.salary'] } }",
        "    reviews:",
        "      - { name: emp, match: { tables: ['emp*'] }, reviewerGroups: [dba] }",
      ].join("\n"),
    );
    expect(result.ok ? [] : result.errors.map((error) => error.message)).toEqual([
      expect.stringMatching(/match\.columns: "\*\.employees\.salary" never matches/),
      expect.stringMatching(/"emp\*" never matches/),
    ]);
  });

  it("needs an upstream user for a database, and for an HTTP API only with basic auth", () => {
    const connection = (lines: string[]) =>
      readPolicyFile(
        [
          "version: 1",
          "connections:",
          "  - name: c",
          "    host: h",
          "    port: 443",
          "    database: /",
          ...lines,
        ]
          .map((line, index) => (index > 2 ? `    ${line.trim()}` : line))
          .join("\n"),
      );
    const messages = (result: ReturnType<typeof readPolicyFile>) =>
      result.ok ? [] : result.errors.map((error) => error.message);
    for (const kind of ["BEARER", "HEADER"]) {
      const header = kind === "HEADER" ? ["httpAuthHeader: X-Api-Key"] : [];
      expect(messages(connection(["type: http", `httpAuthKind: ${kind}`, ...header])), kind).toEqual([]);
      expect(
        messages(connection(["type: http", `httpAuthKind: ${kind}`, ...header, "username: svc"])),
      ).toEqual([expect.stringMatching(/username: only basic authentication sends a user/)]);
    }
    expect(messages(connection(["type: http"]))).toEqual([]);
    expect(messages(connection(["type: http", "httpAuthKind: BASIC"]))).toEqual([
      expect.stringMatching(/username: basic authentication sends username:secret/),
    ]);
    expect(messages(connection(["type: http", "httpAuthKind: BASIC", "username: svc"]))).toEqual([]);
    expect(messages(connection(["type: postgres"]))).toEqual([expect.stringMatching(/username: required/)]);
    expect(messages(connection(["type: mysql", "username: app"]))).toEqual([]);
  });

  it("refuses a host the gateway could not connect to, as the console does", () => {
    const withHost = (host: string) => {
      const result = readPolicyFile(
        [
          "version: 1",
          "connections:",
          "  - name: c",
          `    host: ${JSON.stringify(host)}`,
          "    port: 5432",
          "    database: app",
          "    username: app",
        ].join("\n"),
      );
      return result.ok ? [] : result.errors.map((error) => error.message);
    };
    expect(withHost("db.internal")).toEqual([]);
    expect(withHost("10.0.0.5")).toEqual([]);
    expect(withHost("::1")).toEqual([]);
    expect(withHost("postgres://db.internal/app")).toEqual([
      expect.stringMatching(/host: the host alone: no scheme/),
    ]);
    expect(withHost("db.internal:5432")).toEqual([
      expect.stringMatching(/host: the host alone: the port goes in Port/),
    ]);
    expect(withHost("db host")).toEqual([expect.stringMatching(/host: a host name/)]);
  });

  it("reports duplicate names and YAML syntax errors with a position", () => {
    const duplicate = readPolicyFile("version: 1\nagents:\n  - name: a\n  - name: a\n");
    expect(duplicate).toMatchObject({ ok: false, errors: [{ message: 'agent "a" appears twice' }] });
    const syntax = readPolicyFile("version: 1\nagents: [\n  - x\n");
    expect(syntax.ok).toBe(false);
    if (!syntax.ok) expect(syntax.errors[0]?.line).toBeGreaterThan(1);
  });
});
