import { createPolicyDecisionPoint } from "@sluice/policy/decision-point";
import { FactsCache } from "@sluice/policy/facts-cache";
import type { ConnectionPolicy } from "@sluice/policy/rules";
import { loadParser } from "@sluice/sql/parser";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { catalogOf } from "./support/plain-tables-catalog";

beforeAll(() => loadParser());
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(Date.UTC(2026, 11, 6, 12));
});
afterEach(() => vi.useRealTimers());

/** A TABLE rule on writes of events: a write to a relation this session's DDL changed is refused. */
const GUARDED: ConnectionPolicy = {
  connectionName: "shop",
  isReadOnly: false,
  guardrails: [
    {
      name: "events read-only",
      kind: "TABLE",
      effect: "DENY",
      match: { tables: ["public.events"], access: "write" },
    },
  ],
  reviews: [],
};

/** A session whose catalog holds `events` and `mine`; its reads fail while `isDown`. */
function openSession() {
  const snapshot = {
    ...catalogOf([
      ["public", "events"],
      ["public", "mine"],
    ]),
    systemNames: new Set(["pg_class"]),
  };
  const state = { isDown: false, reads: 0 };
  const point = createPolicyDecisionPoint({
    policies: { version: 1, get: () => GUARDED, reload: async () => {} },
    facts: new FactsCache(),
    upstreamUser: () => "app",
  });
  const session = point.openSession(
    {
      agentId: "a",
      agentName: "agent",
      groups: [],
      connectionId: "c",
      connectionName: "shop",
      sessionId: "s",
    },
    {
      login: "app",
      columns: {
        current: () => snapshot,
        refresh: async () => {
          state.reads += 1;
          if (state.isDown) throw new Error("the upstream is away");
          return snapshot;
        },
      },
    },
  );
  const decide = (sql: string, isUpstreamSettled: boolean) =>
    Promise.resolve(session.decide({ sql, via: "simple", isUpstreamSettled }));
  return { decide, state };
}

describe("DDL in a transaction, and the BEGIN after it", () => {
  it("refuses a write to a relation the open DDL changed, and judges it by the catalog after a BEGIN caught up", async () => {
    const { decide, state } = openSession();
    await decide("BEGIN", true);
    expect((await decide("ALTER TABLE mine INHERIT events", false)).kind).toBe("allow");
    expect(await decide("INSERT INTO mine VALUES (1)", false)).toMatchObject({
      kind: "deny",
      message: expect.stringMatching(/"events read-only"/),
    });
    await decide("COMMIT", false);
    const before = state.reads;
    expect((await decide("BEGIN", true)).kind).toBe("allow");
    expect(state.reads).toBe(before + 1);
    expect((await decide("INSERT INTO mine VALUES (1)", false)).kind).toBe("allow");
  });

  it("lets a BEGIN through when the read it came to catch up with fails, and keeps the write refused", async () => {
    const { decide, state } = openSession();
    await decide("BEGIN", true);
    await decide("DROP TABLE mine", false);
    await decide("COMMIT", false);
    state.isDown = true;
    expect((await decide("BEGIN", true)).kind).toBe("allow");
    expect(await decide("INSERT INTO mine VALUES (1)", false)).toMatchObject({ kind: "deny" });
  });
});
