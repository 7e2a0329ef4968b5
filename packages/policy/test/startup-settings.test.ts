import { createPolicyDecisionPoint } from "@sluice/policy/decision-point";
import { FactsCache } from "@sluice/policy/facts-cache";
import { parseGuardrail } from "@sluice/policy/rules";
import type { UpstreamAccess } from "@sluice/policy/verdict";
import { loadParser } from "@sluice/sql/parser";
import { beforeAll, describe, expect, it } from "vitest";

beforeAll(() => loadParser());

/** A connection that refuses anything in schema audit; `events` exists in public and in audit. */
function openSession(upstream: UpstreamAccess) {
  const policy = {
    connectionName: "shop",
    isReadOnly: false,
    guardrails: [
      parseGuardrail({
        name: "no-audit",
        kind: "TABLE",
        effect: "DENY",
        match: { tables: ["audit.*"] },
        message: null,
      }),
      parseGuardrail({
        name: "no-timeouts",
        kind: "SETTING",
        effect: "DENY",
        match: { settings: ["statement_timeout"] },
        message: null,
      }),
    ],
    reviews: [],
  };
  return createPolicyDecisionPoint({
    policies: { version: 1, get: () => policy, reload: async () => {} },
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
    upstream,
  );
}

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
    const judge = async (name: string, value: string) =>
      await openSession({ login: "app", startupSettings: [{ name, value }] }).judgeStartup?.();
    expect(await judge("STATEMENT_TIMEOUT", "0")).toMatchObject({
      kind: "deny",
      rule: "no-timeouts",
      message: expect.stringContaining("the startup setting STATEMENT_TIMEOUT=0 is refused as SET"),
    });
    expect(await judge("DateStyle", "SQL, DMY")).toEqual({ kind: "allow" });
    // A value that would end a literal early is one value to the judge, as to the server.
    expect(await judge("application_name", "x'; SET statement_timeout = 0; --")).toEqual({ kind: "allow" });
    expect(await openSession({ login: "app" }).judgeStartup?.()).toEqual({ kind: "allow" });
  });
});
