import { createPolicyDecisionPoint } from "@sluice/policy/decision-point";
import { FactsCache } from "@sluice/policy/facts-cache";
import { type ConnectionPolicy, parseGuardrail } from "@sluice/policy/rules";
import { loadParser } from "@sluice/sql/parser";
import { beforeAll, describe, expect, it } from "vitest";
import { createStartupVerdicts } from "../src/startup-verdicts";

beforeAll(() => loadParser());

/** A connection that lets agents give work_mem at connect, unless `isWorkMemRefused`. */
const policyWith = (isWorkMemRefused: boolean): ConnectionPolicy => ({
  connectionName: "shop",
  isReadOnly: false,
  guardrails: [
    parseGuardrail({
      name: "work-mem",
      kind: "SETTING",
      effect: "ALLOW",
      match: { settings: ["work_mem"] },
      message: null,
    }),
    ...(isWorkMemRefused
      ? [
          parseGuardrail({
            name: "no-work-mem",
            kind: "SETTING",
            effect: "DENY",
            match: { settings: ["work_mem"] },
            message: null,
          }),
        ]
      : []),
  ],
  reviews: [],
});

/** A live policy source as the gateway's store is: a reload swaps the object and moves the version. */
function livePolicies() {
  const source = { version: 1, policy: policyWith(false) };
  const point = createPolicyDecisionPoint({
    policies: {
      get version() {
        return source.version;
      },
      get: () => source.policy,
      reload: async () => {},
    },
    facts: new FactsCache(),
    upstreamUser: () => "app",
  });
  const judge = (...settings: Array<[string, string]>) =>
    point.judgeStartup?.({
      connectionId: "c",
      login: "app",
      settings: settings.map(([name, value]) => ({ name, value })),
    });
  return { source, judge };
}

describe("startup verdicts kept per policy", () => {
  it("answers a connect's settings judged before under the same policy from what it kept", async () => {
    const { judge } = livePolicies();
    const first = await judge(["work_mem", "4MB"], ["DateStyle", "ISO"]);

    expect(first).toEqual({ kind: "allow" });
    expect(await judge(["work_mem", "4MB"], ["DateStyle", "ISO"])).toBe(first);
    expect(await judge(["work_mem", "8MB"], ["DateStyle", "ISO"])).not.toBe(first);
  });

  it("judges again under a reloaded policy: a setting refused since is refused at the next connect", async () => {
    const { source, judge } = livePolicies();
    expect(await judge(["work_mem", "4MB"])).toEqual({ kind: "allow" });

    source.policy = policyWith(true);
    source.version = 2;

    expect(await judge(["work_mem", "4MB"])).toMatchObject({ kind: "deny" });
  });

  it("judges again when only the version moved, and keeps no more requests than its cap", () => {
    const judged: string[] = [];
    const startup = createStartupVerdicts(2);
    const policy = policyWith(false);
    const ask = (version: number, value: string) =>
      startup(policy, version, { login: "app", settings: [{ name: "work_mem", value }] }, () => {
        judged.push(`${version}:${value}`);
        return { kind: "allow" };
      });

    for (const value of ["1MB", "2MB", "3MB", "1MB", "2MB", "3MB"]) ask(1, value);
    ask(2, "1MB");

    expect(judged).toEqual(["1:1MB", "1:2MB", "1:3MB", "1:3MB", "2:1MB"]);
  });
});
