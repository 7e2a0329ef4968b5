import type { CatalogSnapshot, ColumnCatalogAccess } from "@sluice/policy/column-catalog";
import { catalogSnapshot } from "@sluice/policy/column-catalog";
import { createPolicyDecisionPoint } from "@sluice/policy/decision-point";
import { FactsCache } from "@sluice/policy/facts-cache";
import type { ConnectionPolicy } from "@sluice/policy/rules";
import type { ViewRead } from "@sluice/policy/view-reads";
import { loadParser } from "@sluice/sql/parser";
import { beforeAll, describe, expect, it } from "vitest";

beforeAll(() => loadParser());

/**
 * review9 (pre-existing, noticed while reviewing seal9): a DENY TABLE rule covering reads of
 * orders refuses `SELECT * FROM orders`, and follows a write through a view over orders (seal9),
 * but a read through that view returns orders' rows. The view need not be the agent's: the owner,
 * or an agent on another Sluice connection to the same database without the rule, can create it.
 */
const POLICY: ConnectionPolicy = {
  connectionName: "shop",
  isReadOnly: false,
  reviews: [],
  guardrails: [
    { name: "no-orders", kind: "TABLE", effect: "DENY", match: { tables: ["public.orders"], access: "any" } },
  ],
};

function catalog(): CatalogSnapshot {
  const relation = (table: string, isView = false) => ({
    schema: "public",
    table,
    column: "id",
    attnum: 1,
    isView,
  });
  const views = new Map<string, ViewRead>([
    ["public.ov", [{ schema: "public", table: "orders", column: "id" }]],
  ]);
  return catalogSnapshot([relation("orders"), relation("ov", true)], undefined, Date.now(), new Map(), views);
}

async function verdictOf(sql: string) {
  const snapshot = catalog();
  const columns: ColumnCatalogAccess = { current: () => snapshot, refresh: async () => snapshot };
  const point = createPolicyDecisionPoint({
    policies: { version: 1, get: () => POLICY, reload: async () => {} },
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
    { login: "app", columns },
  );
  return Promise.resolve(session.decide({ sql, via: "simple", isUpstreamSettled: true }));
}

describe("a TABLE rule on reads, through a view over the table (review9)", () => {
  it("refuses the table read directly and a write through the view, as before", async () => {
    expect((await verdictOf("SELECT * FROM orders")).kind).toBe("deny");
    expect((await verdictOf("DELETE FROM ov WHERE id = 1")).kind).toBe("deny");
  });

  it("refuses a read of the view", async () => {
    expect((await verdictOf("SELECT * FROM ov")).kind).toBe("deny");
  });
});
