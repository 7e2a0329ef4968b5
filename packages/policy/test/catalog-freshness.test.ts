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

/** A TABLE rule on reads and writes of vault: a view over it must be known before judging. */
const GUARDED: ConnectionPolicy = {
  connectionName: "shop",
  isReadOnly: false,
  guardrails: [
    {
      name: "vault untouched",
      kind: "TABLE",
      effect: "DENY",
      match: { tables: ["public.vault"], access: "any" },
    },
  ],
  reviews: [],
};

/** A session whose catalog holds `events` and `vault`; `asked` lists the reads its decisions asked for. */
function openSession() {
  const snapshot = {
    ...catalogOf([
      ["public", "events"],
      ["public", "vault"],
    ]),
    systemNames: new Set(["pg_class"]),
  };
  const asked: Array<{ startedAfter?: number } | undefined> = [];
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
        refresh: async (options) => {
          asked.push(options);
          return snapshot;
        },
      },
    },
  );
  const decide = (sql: string) =>
    Promise.resolve(session.decide({ sql, via: "simple", isUpstreamSettled: true }));
  return { decide, asked };
}

describe("a statement naming a relation the catalog does not hold", () => {
  // A read under way when another session committed `CREATE VIEW fresh AS SELECT * FROM vault` may
  // have begun before the commit: waiting for it would judge the statement with `fresh` unknown again.
  it.each([
    ["a read", "SELECT * FROM fresh"],
    ["a write", "INSERT INTO fresh VALUES (1)"],
  ])("waits for a catalog read begun after it came: %s", async (_, sql) => {
    const { decide, asked } = openSession();
    await decide(sql);
    expect(asked).toEqual([{ startedAfter: Date.now() }]);
  });

  it("asks for no read when it names only relations the catalog holds, or pg_catalog's", async () => {
    const { decide, asked } = openSession();
    await decide("SELECT * FROM events");
    await decide("SELECT relname FROM pg_class");
    expect(asked).toEqual([]);
  });

  it("counts a bare pg_ name pg_catalog lacks as a user's relation the catalog does not hold", async () => {
    const { decide, asked } = openSession();
    await decide("SELECT * FROM pg_fresh");
    expect(asked).toEqual([{ startedAfter: Date.now() }]);
  });
});
