import { createPolicyDecisionPoint } from "@sluice/policy/decision-point";
import { FactsCache } from "@sluice/policy/facts-cache";
import type { ConnectionPolicy } from "@sluice/policy/rules";
import type { Verdict } from "@sluice/policy/verdict";
import { loadParser } from "@sluice/sql/parser";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { catalogOf } from "./support/plain-tables-catalog";

beforeAll(() => loadParser());
// The catalog's age is read from the clock: frozen, so only an unknown relation makes it read again.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(Date.UTC(2026, 11, 6, 12));
});
afterEach(() => vi.useRealTimers());

/** A masked connection: its column rule makes a read of a relation the catalog lacks read it again. */
const MASKED: ConnectionPolicy = {
  connectionName: "shop",
  isReadOnly: false,
  guardrails: [],
  reviews: [],
  masking: [
    {
      name: "emails",
      selector: "public.customers.email",
      detector: null,
      strategy: "REDACT",
      keepLast: null,
      exemptGroups: [],
    },
  ],
};

/** A session whose catalog a test replaces; `reads` counts the catalog reads its decisions asked for. */
function openSession() {
  const point = createPolicyDecisionPoint({
    policies: { version: 1, get: () => MASKED, reload: async () => {} },
    facts: new FactsCache(),
    upstreamUser: () => "app",
  });
  const catalog = {
    snapshot: catalogOf([
      ["public", "events"],
      ["public", "customers"],
    ]),
    reads: 0,
  };
  const columns = {
    current: () => catalog.snapshot,
    refresh: async () => {
      catalog.reads += 1;
      return catalog.snapshot;
    },
  };
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
  const decide = (sql: string): Promise<Verdict> =>
    Promise.resolve(session.decide({ sql, via: "simple", isUpstreamSettled: true }));
  return { decide, catalog };
}

describe("a shape found to read only known relations (load9)", () => {
  it("is not read again for the next statements of that shape under the same catalog", async () => {
    const { decide, catalog } = openSession();
    for (let id = 1; id <= 4; id += 1) {
      expect((await decide(`SELECT id FROM events WHERE id = ${id}`)).kind).toBe("allow");
    }
    expect(catalog.reads).toBe(0);
  });

  it("has the catalog read again once a newer catalog no longer lists its relation", async () => {
    const { decide, catalog } = openSession();
    await decide("SELECT id FROM events WHERE id = 1");
    await decide("SELECT id FROM events WHERE id = 2");
    expect(catalog.reads).toBe(0);
    // Dropped since (another connection's DDL): the same shape now reads a relation the catalog lacks.
    catalog.snapshot = catalogOf([["public", "customers"]]);
    await decide("SELECT id FROM events WHERE id = 3");
    expect(catalog.reads).toBe(1);
  });

  it("does not stand for another shape that reads a relation the catalog lacks", async () => {
    const { decide, catalog } = openSession();
    await decide("SELECT id FROM events WHERE id = 1");
    await decide("SELECT id FROM events WHERE id = 2");
    await decide("SELECT id FROM audit_events WHERE id = 3");
    expect(catalog.reads).toBe(1);
  });

  it("is asked again after the session's state moved", async () => {
    const { decide, catalog } = openSession();
    await decide("SELECT id FROM events WHERE id = 1");
    await decide("SELECT id FROM events WHERE id = 2");
    // A new schema on the path: `events` may now stand for hr.events too, which the catalog lacks,
    // but public.events is still known, so the read is not needed (the answer is asked, not assumed).
    expect((await decide("SET search_path = hr, public")).kind).toBe("allow");
    await decide("SELECT id FROM events WHERE id = 3");
    expect(catalog.reads).toBe(0);
    catalog.snapshot = catalogOf([["hr", "customers"]]);
    await decide("SELECT id FROM events WHERE id = 4");
    expect(catalog.reads).toBe(1);
  });
});
