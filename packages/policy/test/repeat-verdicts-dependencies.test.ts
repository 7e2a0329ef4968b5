import { createPolicyDecisionPoint } from "@sluice/policy/decision-point";
import { FactsCache } from "@sluice/policy/facts-cache";
import { type ConnectionPolicy, parseGuardrail } from "@sluice/policy/rules";
import type { SessionDecisions, StatementRequest, Verdict } from "@sluice/policy/verdict";
import { loadParser } from "@sluice/sql/parser";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { catalogOf } from "./support/plain-tables-catalog";

beforeAll(() => loadParser());
// The catalog's age is read from the clock: frozen, so a busy machine never makes it look stale.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(Date.UTC(2026, 11, 5, 12));
});
afterEach(() => vi.useRealTimers());

const NO_AUDIT = parseGuardrail({
  name: "no-audit",
  kind: "TABLE",
  effect: "DENY",
  match: { tables: ["audit.*"] },
  message: null,
});
const policyWith = (guardrails: ConnectionPolicy["guardrails"]): ConnectionPolicy => ({
  connectionName: "shop",
  isReadOnly: false,
  guardrails,
  reviews: [],
});

/** A session over a policy store whose policy a test can replace (the store's version moves with it). */
function openSession() {
  const policies = { version: 1, policy: policyWith([NO_AUDIT]) };
  const point = createPolicyDecisionPoint({
    policies: {
      get version() {
        return policies.version;
      },
      get: () => policies.policy,
      reload: async () => {},
    },
    facts: new FactsCache(),
    upstreamUser: () => "app",
  });
  let snapshot = catalogOf([
    ["public", "events"],
    ["public", "orders"],
    ["audit", "events"],
  ]);
  const columns = { current: () => snapshot, refresh: async () => snapshot };
  const session = point.openSession(
    {
      agentId: "a",
      agentName: "agent",
      groups: [],
      connectionId: "c",
      connectionName: "shop",
      sessionId: "s",
    },
    { login: "app", columns },
  );
  const replacePolicy = (policy: ConnectionPolicy) => {
    policies.policy = policy;
    policies.version += 1;
  };
  /** The catalog read again (another table appeared): what was judged against the old one is stale. */
  const readCatalogAgain = (tables: Array<[string, string]>) => {
    snapshot = catalogOf(tables);
  };
  return { session, replacePolicy, readCatalogAgain };
}

const simple = (sql: string): StatementRequest => ({ sql, via: "simple", isUpstreamSettled: true });
const decided = async (session: SessionDecisions, sql: string): Promise<Verdict> =>
  session.decide(simple(sql));

describe("a read judged before, after what it rests on moved (review5)", () => {
  it("is judged again while the session's own DDL is not in the catalog", async () => {
    const { session } = openSession();
    const first = await decided(session, "SELECT * FROM events");
    const pipelined = (sql: string) => session.decide({ sql, via: "simple", isUpstreamSettled: false });
    expect((await pipelined("CREATE TEMP TABLE events (id int)")).kind).toBe("allow");
    expect(await pipelined("SELECT * FROM events")).not.toBe(first);
  });

  it("is judged again after DISCARD ALL and after a PREPARE", async () => {
    const { session } = openSession();
    const first = await decided(session, "SELECT * FROM events");
    expect((await decided(session, "DISCARD ALL")).kind).toBe("allow");
    const second = await decided(session, "SELECT * FROM events");
    expect(second).not.toBe(first);
    expect((await decided(session, "PREPARE p AS SELECT * FROM orders")).kind).toBe("allow");
    expect(await decided(session, "SELECT * FROM events")).not.toBe(second);
  });

  it("keeps the simple and the extended protocol's verdicts apart", async () => {
    const { session } = openSession();
    const simpleVerdict = await decided(session, "SELECT * FROM events");
    const parsed = await session.decide({
      sql: "SELECT * FROM events",
      via: "parse",
      isUpstreamSettled: true,
    });
    expect(parsed).not.toBe(simpleVerdict);
  });

  it("is judged again when a SET in the same message moves the path", async () => {
    const { session } = openSession();
    expect((await decided(session, "SELECT * FROM events")).kind).toBe("allow");
    expect((await decided(session, "SET search_path = audit; SELECT * FROM events")).kind).toBe("deny");
  });
});
