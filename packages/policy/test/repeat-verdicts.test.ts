import { createPolicyDecisionPoint } from "@sluice/policy/decision-point";
import { FactsCache } from "@sluice/policy/facts-cache";
import { MAX_REPEAT_VERDICTS } from "@sluice/policy/repeat-verdicts";
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
const NO_ORDERS = parseGuardrail({
  name: "no-orders",
  kind: "TABLE",
  effect: "DENY",
  match: { tables: ["orders"] },
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

describe("a read judged before", () => {
  it("gets the verdict it got, for its own text and for its constants changed", async () => {
    const { session } = openSession();
    const first = await decided(session, "SELECT * FROM events WHERE id = 1");
    expect(first.kind).toBe("allow");
    expect(await decided(session, "SELECT * FROM events WHERE id = 1")).toBe(first);
    expect(await decided(session, "SELECT * FROM events WHERE id = 2")).toBe(first);
  });

  it("is judged again once the upstream reports a search_path that puts a denied schema in reach", async () => {
    const { session } = openSession();
    expect((await decided(session, "SELECT * FROM events")).kind).toBe("allow");
    session.observeSetting?.("search_path", "audit, public");
    expect((await decided(session, "SELECT * FROM events")).kind).toBe("deny");
  });

  it("is judged again after a SET search_path the session ran", async () => {
    const { session } = openSession();
    expect((await decided(session, "SELECT * FROM events")).kind).toBe("allow");
    expect((await decided(session, "SET search_path = audit, public")).kind).toBe("allow");
    expect((await decided(session, "SELECT * FROM events")).kind).toBe("deny");
  });

  it("is judged again when the policy changes", async () => {
    const { session, replacePolicy } = openSession();
    expect((await decided(session, "SELECT * FROM orders WHERE id = 1")).kind).toBe("allow");
    replacePolicy(policyWith([NO_AUDIT, NO_ORDERS]));
    expect((await decided(session, "SELECT * FROM orders WHERE id = 1")).kind).toBe("deny");
    expect((await decided(session, "SELECT * FROM orders WHERE id = 2")).kind).toBe("deny");
  });

  it("is judged again after a role change the upstream reports", async () => {
    const { session } = openSession();
    const first = await decided(session, "SELECT * FROM events");
    session.observeSetting?.("session_authorization", "app");
    session.observeSetting?.("session_authorization", "admin");
    expect(await decided(session, "SELECT * FROM events")).not.toBe(first);
  });

  it("is judged again against a catalog read again", async () => {
    const { session, readCatalogAgain } = openSession();
    const first = await decided(session, "SELECT * FROM events");
    expect(await decided(session, "SELECT * FROM events")).toBe(first);
    readCatalogAgain([
      ["public", "events"],
      ["audit", "events"],
    ]);
    expect(await decided(session, "SELECT * FROM events")).not.toBe(first);
  });

  it("is never a denial remembered: a refused read is judged each time", async () => {
    const { session } = openSession();
    const first = await decided(session, "SELECT * FROM audit.events");
    expect(first.kind).toBe("deny");
    expect(await decided(session, "SELECT * FROM audit.events")).not.toBe(first);
  });

  it("is only a plain read: writes, settings and cursors are judged every time", async () => {
    const { session } = openSession();
    for (const sql of [
      "INSERT INTO events VALUES (1)",
      "SELECT set_config('search_path', 'public', false)",
      "WITH gone AS (DELETE FROM events WHERE id = 1 RETURNING *) SELECT * FROM gone",
      "DECLARE c CURSOR FOR SELECT * FROM events",
    ]) {
      const first = await decided(session, sql);
      expect(await decided(session, sql), sql).not.toBe(first);
    }
  });

  it("forgets what it remembered once a loop of new reads fills it", async () => {
    const { session } = openSession();
    const first = await decided(session, "SELECT * FROM events");
    for (let i = 0; i < MAX_REPEAT_VERDICTS; i += 1) await decided(session, `SELECT c${i} FROM events`);
    const again = await decided(session, "SELECT * FROM events");
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });
});
