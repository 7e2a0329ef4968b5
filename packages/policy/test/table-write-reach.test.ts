import type { CatalogSnapshot, ColumnCatalogAccess } from "@sluice/policy/column-catalog";
import { catalogSnapshot } from "@sluice/policy/column-catalog";
import { createPolicyDecisionPoint } from "@sluice/policy/decision-point";
import { FactsCache } from "@sluice/policy/facts-cache";
import { foreignKeyCascades } from "@sluice/policy/foreign-key-cascades";
import type { ConnectionPolicy } from "@sluice/policy/rules";
import type { ViewRead } from "@sluice/policy/view-reads";
import { loadParser } from "@sluice/sql/parser";
import { beforeAll, describe, expect, it } from "vitest";

beforeAll(() => loadParser());

/**
 * A TABLE rule on writes to orders, followed through views, foreign keys' cascades and families
 * composed (issue 14): `cv` is a view over customers, whose key cascades into orders; `ocv` a view
 * over `cv`; `people` a parent of customers. And with no catalog at all, every write is refused.
 */
const POLICY: ConnectionPolicy = {
  connectionName: "shop",
  isReadOnly: false,
  guardrails: [
    {
      name: "orders are read-only",
      kind: "TABLE",
      effect: "DENY",
      match: { tables: ["public.orders"], access: "write" },
    },
  ],
  reviews: [],
};

function decide(access: ColumnCatalogAccess, sql: string) {
  const point = createPolicyDecisionPoint({
    policies: { version: 1, get: () => POLICY, reload: async () => {} },
    facts: new FactsCache(),
    upstreamUser: () => "app",
  });
  const identity = {
    agentId: "a",
    agentName: "agent",
    groups: [],
    connectionId: "c",
    connectionName: "shop",
    sessionId: "s",
  };
  const session = point.openSession(identity, { login: "app", columns: access });
  return Promise.resolve(session.decide({ sql, via: "simple", isUpstreamSettled: true }));
}

/** The refusal's message, or null when the statement is allowed. */
const refusal = async (access: ColumnCatalogAccess, sql: string) => {
  const verdict = await decide(access, sql);
  return verdict.kind === "allow" ? null : (verdict as { message: string }).message;
};

function shopCatalog(): CatalogSnapshot {
  const table = (name: string, isView = false) => ({
    schema: "public",
    table: name,
    column: "id",
    attnum: 1,
    isView,
  });
  const views = new Map<string, ViewRead>([
    ["public.cv", [{ schema: "public", table: "customers", column: "id" }]],
    ["public.ocv", [{ schema: "public", table: "cv", column: null }]],
    ["public.pv", [{ schema: "public", table: "people", column: "id" }]],
    ["public.nv", [{ schema: "public", table: "notes", column: "id" }]],
  ]);
  const cascades = foreignKeyCascades([
    { referenced: "public.customers", referencing: "public.orders", changes: true },
    { referenced: "public.regions", referencing: "public.shops", changes: false },
  ]);
  const families = new Map([
    ["public.people", ["public.customers"]],
    ["public.customers", ["public.people"]],
  ]);
  return catalogSnapshot(
    ["customers", "orders", "regions", "shops", "notes", "people"]
      .map((name) => table(name))
      .concat(["cv", "ocv", "pv", "nv"].map((name) => table(name, true))),
    undefined,
    Date.now(),
    families,
    views,
    cascades,
  );
}

const known = (): ColumnCatalogAccess => {
  const snapshot = shopCatalog();
  return { current: () => snapshot, refresh: async () => snapshot };
};

describe("a write through a view into a table whose keys cascade into orders", () => {
  it.each([
    [
      "DELETE FROM cv WHERE id = 1",
      /writes through public\.cv .*public\.customers → foreign key cascade into public\.orders/,
    ],
    ["UPDATE ocv SET id = 2", /writes through public\.ocv .*public\.cv → view over public\.customers/],
    [
      "DELETE FROM pv",
      /writes through public\.pv .*view over public\.people → family member public\.customers → foreign key cascade into public\.orders/,
    ],
    [
      "DELETE FROM people",
      /writes public\.people, whose foreign keys cascade into public\.orders \(public\.people → family member public\.customers → foreign key/,
    ],
  ])("refuses %s", async (sql, why) => {
    expect(await refusal(known(), sql)).toMatch(why);
  });

  it("allows writes that reach no covered table, and TRUNCATE CASCADE only from what it names", async () => {
    expect(await refusal(known(), "DELETE FROM nv")).toBeNull();
    expect(await refusal(known(), "DELETE FROM regions")).toBeNull();
    expect(await refusal(known(), "TRUNCATE regions CASCADE")).toBeNull();
    expect(await refusal(known(), "TRUNCATE customers CASCADE")).toMatch(/cascade into public\.orders/);
  });
});

describe("a write while the catalog cannot be read", () => {
  it("is refused, saying why, and the catalog read is asked for first", async () => {
    let reads = 0;
    const unreadable: ColumnCatalogAccess = {
      current: () => null,
      refresh: () => {
        reads += 1;
        return Promise.reject(new Error("permission denied for table pg_attrdef"));
      },
    };
    for (const sql of [
      "DELETE FROM customers WHERE id = 1",
      "INSERT INTO notes VALUES (1)",
      "UPDATE cv SET id = 1",
    ])
      expect(await refusal(unreadable, sql)).toMatch(
        /may be a view over, or have foreign keys cascading into, a table the rule covers: the upstream's catalog could not be read/,
      );
    expect(reads).toBe(3);
    expect(await refusal(unreadable, "SELECT * FROM customers")).toBeNull();
  });

  it("is judged normally once a read succeeds", async () => {
    let snapshot: CatalogSnapshot | null = null;
    let isReadable = false;
    const flaky: ColumnCatalogAccess = {
      current: () => snapshot,
      refresh: async () => {
        if (!isReadable) throw new Error("the catalog connection failed");
        snapshot = shopCatalog();
        return snapshot;
      },
    };
    expect(await refusal(flaky, "DELETE FROM nv")).toMatch(/catalog could not be read/);
    isReadable = true;
    expect(await refusal(flaky, "DELETE FROM nv")).toBeNull();
    expect(await refusal(flaky, "DELETE FROM cv")).toMatch(/cascade into public\.orders/);
  });
});
