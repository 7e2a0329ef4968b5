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

describe("a bare pg_ name pg_catalog holds", () => {
  it("asks for a read once the path names pg_catalog after another schema", async () => {
    const { decide, asked } = openSession();
    await decide("SET search_path = public, pg_catalog");
    await decide("SELECT relname FROM pg_class");
    expect(asked).toEqual([{ startedAfter: Date.now() }]);
  });

  // The statement after a CREATE catches up with it anyway (code-freshness.ts); the one after that
  // is the question.
  it("asks for a read once this session made a relation of that name", async () => {
    const { decide, asked } = openSession();
    await decide("CREATE TEMP VIEW pg_class AS SELECT * FROM events");
    await decide("SELECT * FROM events");
    asked.length = 0;
    await decide("SELECT relname FROM pg_class");
    expect(asked).toEqual([{ startedAfter: Date.now() }]);
  });

  it("still asks for none after this session made a relation of another name", async () => {
    const { decide, asked } = openSession();
    await decide("CREATE TEMP VIEW mine AS SELECT * FROM events");
    await decide("SELECT * FROM events");
    asked.length = 0;
    await decide("SELECT relname FROM pg_class");
    expect(asked).toEqual([]);
  });
});

describe("a row write to a relation the catalog does not hold even when read again", () => {
  it("is refused under a TABLE rule on writes, saying to commit what made it", async () => {
    const { decide } = openSession();
    const verdict = await decide("INSERT INTO made_in_this_transaction VALUES (1)");
    expect(verdict).toMatchObject({ kind: "deny" });
    expect(JSON.stringify(verdict)).toMatch(/does not hold even when read again/);
  });

  it("is not refused for DDL that names it, or for a relation the catalog holds", async () => {
    const { decide } = openSession();
    expect(await decide("CREATE TABLE made_now (id int)")).toMatchObject({ kind: "allow" });
    expect(await decide("INSERT INTO events VALUES (1)")).toMatchObject({ kind: "allow" });
  });
});
