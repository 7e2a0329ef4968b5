import { createPolicyDecisionPoint } from "@sluice/policy/decision-point";
import { FactsCache } from "@sluice/policy/facts-cache";
import { guardrailMatchProblem, parseGuardrail } from "@sluice/policy/rules";
import { judgeStartupNames } from "@sluice/policy/startup-verdict";
import type { UpstreamAccess } from "@sluice/policy/verdict";
import { loadParser } from "@sluice/sql/parser";
import { beforeAll, describe, expect, it } from "vitest";

beforeAll(() => loadParser());

const rule = (name: string, kind: string, effect: string, match: unknown) =>
  parseGuardrail({ name, kind, effect, match, message: null });

/**
 * A connection that refuses anything in schema audit and any change of statement_timeout, and lets
 * agents give two more settings at connect: one with any value, one with listed values only.
 */
const POLICY = {
  connectionName: "shop",
  isReadOnly: false,
  guardrails: [
    rule("no-audit", "TABLE", "DENY", { tables: ["audit.*"] }),
    rule("no-timeouts", "SETTING", "DENY", { settings: ["statement_timeout"] }),
    rule("isolation", "SETTING", "ALLOW", {
      settings: ["default_transaction_isolation"],
      values: ["read committed", "serializable"],
    }),
    rule("custom", "SETTING", "ALLOW", { settings: ["app.tenant"], values: ["tenant_*"] }),
    rule("work-mem", "SETTING", "ALLOW", { settings: ["Work_Mem"] }),
  ],
  reviews: [],
};

const point = createPolicyDecisionPoint({
  policies: { version: 1, get: () => POLICY, reload: async () => {} },
  facts: new FactsCache(),
  upstreamUser: () => "app",
});

function openSession(upstream: UpstreamAccess) {
  return point.openSession(
    {
      agentId: "a",
      agentName: "agent",
      groups: [],
      connectionId: "c",
      connectionName: "shop",
      sessionId: "s",
    },
    upstream,
  );
}

const judge = async (...settings: Array<[string, string]>) =>
  await point.judgeStartup?.({
    connectionId: "c",
    login: "app",
    settings: settings.map(([name, value]) => ({ name, value })),
  });

const decide = async (session: ReturnType<typeof openSession>, sql: string) =>
  (await session.decide({ sql, via: "simple", isUpstreamSettled: false })).kind;

describe("settings given at connect time", () => {
  it("a startup search_path counts as a SET before the first statement (servers before 18 never report it)", async () => {
    const withPath = openSession({
      login: "app",
      startupSettings: [{ name: "search_path", value: "audit, public" }],
    });
    // `events` may be audit.events: judged over every schema the path can hold, so refused.
    expect(await decide(withPath, "SELECT * FROM events")).toBe("deny");
    const quoted = openSession({
      login: "app",
      startupSettings: [{ name: "search_path", value: '"audit"' }],
    });
    expect(await decide(quoted, "SELECT * FROM events")).toBe("deny");
    const without = openSession({
      login: "app",
      startupSettings: [{ name: "application_name", value: "audit" }],
    });
    expect(await decide(without, "SELECT * FROM events")).toBe("allow");
  });

  it("judges each setting given at connect as the SET it is, DENY SETTING rules included", async () => {
    expect(await judge(["STATEMENT_TIMEOUT", "0"])).toMatchObject({
      kind: "deny",
      rule: "no-timeouts",
      message: expect.stringContaining("the startup setting STATEMENT_TIMEOUT=0 is refused as SET"),
    });
    expect(await judge(["DateStyle", "SQL, DMY"])).toEqual({ kind: "allow" });
    // A value that would end a literal early is one value to the judge, as to the server.
    expect(await judge(["application_name", "x'; SET statement_timeout = 0; --"])).toEqual({ kind: "allow" });
    expect(await judge()).toEqual({ kind: "allow" });
  });

  it("lets through a setting beyond the built-in ones only when an ALLOW SETTING rule names it with that value", async () => {
    expect(await judge(["default_transaction_isolation", "serializable"])).toEqual({ kind: "allow" });
    expect(await judge(["app.tenant", "tenant_42"])).toEqual({ kind: "allow" });
    // Names compare case-insensitively, as the server's; values exactly.
    expect(await judge(["WORK_MEM", "64MB"])).toEqual({ kind: "allow" });
    expect(await judge(["default_transaction_isolation", "repeatable read"])).toMatchObject({
      kind: "deny",
      rule: "sluice:connect-setting",
      message:
        'the startup setting default_transaction_isolation is not allowed on connection shop: the value "repeatable read" is not one the connection\'s ALLOW SETTING rules allow for default_transaction_isolation',
      hint: expect.stringContaining("ALLOW SETTING guardrail (settings: [default_transaction_isolation]"),
    });
    expect(await judge(["app.tenant", "other_42"])).toMatchObject({ kind: "deny" });
    expect(await judge(["application_name", "a"], ["geqo_effort", "3"])).toMatchObject({
      kind: "deny",
      message: expect.stringContaining(
        "the startup setting geqo_effort is not allowed on connection shop: no ALLOW SETTING rule",
      ),
    });
  });

  it("never lets through a setting that changes who the session is or how statements are read", async () => {
    for (const [name, value] of [
      ["role", "postgres"],
      ["backslash_quote", "on"],
      ["client_encoding", "GBK"],
      ["standard_conforming_strings", "off"],
    ] as const) {
      const verdict = await judge([name, value]);
      expect(verdict, name).toMatchObject({ kind: "deny", hint: "remove it from the connection string" });
    }
    expect(await judge(["client_encoding", "UTF8"], ["standard_conforming_strings", "on"])).toEqual({
      kind: "allow",
    });
  });

  it("without a policy engine, lets through the built-in settings only", () => {
    expect(judgeStartupNames(null, [{ name: "TimeZone", value: "UTC" }])).toEqual({ kind: "allow" });
    expect(judgeStartupNames(null, [{ name: "work_mem", value: "1MB" }])).toMatchObject({
      kind: "deny",
      message:
        "the startup setting work_mem is not allowed: no ALLOW SETTING rule of the connection names work_mem",
    });
  });
});

describe("SETTING rules with values", () => {
  it("refuse values on a DENY rule and an ALLOW of a setting Sluice pins or never lets be set", () => {
    expect(
      guardrailMatchProblem("SETTING", "DENY", { settings: ["work_mem"], values: ["1MB"] }),
    ).toMatchObject({
      field: "values",
      message: expect.stringContaining("values narrow an ALLOW rule"),
    });
    for (const name of ["client_encoding", "Standard_Conforming_Strings", "backslash_quote"]) {
      expect(guardrailMatchProblem("SETTING", "ALLOW", { settings: ["work_mem", name] }), name).toMatchObject(
        {
          field: "settings",
          message: expect.stringMatching(/^\S+ can never be allowed: /),
        },
      );
    }
    expect(guardrailMatchProblem("SETTING", "ALLOW", { settings: ["role"], values: ["reader"] })).toBeNull();
    expect(() => rule("a", "SETTING", "ALLOW", { settings: ["work_mem"], values: [] })).toThrow(/values/);
  });

  it("narrow the privilege default an ALLOW SETTING relaxes to the values listed", async () => {
    const withRole = {
      ...POLICY,
      guardrails: [rule("reader", "SETTING", "ALLOW", { settings: ["role"], values: ["reader"] })],
    };
    const session = createPolicyDecisionPoint({
      policies: { version: 1, get: () => withRole, reload: async () => {} },
      facts: new FactsCache(),
      upstreamUser: () => "app",
    }).openSession(
      {
        agentId: "a",
        agentName: "agent",
        groups: [],
        connectionId: "c",
        connectionName: "shop",
        sessionId: "s",
      },
      { login: "app" },
    );
    expect(await decide(session, "SET ROLE reader")).toBe("allow");
    expect(await decide(session, "SET ROLE postgres")).toBe("deny");
    expect(await decide(session, "RESET ROLE")).toBe("allow");
    expect(await decide(session, "SELECT set_config('role', current_setting('x'), false)")).toBe("deny");
  });
});
