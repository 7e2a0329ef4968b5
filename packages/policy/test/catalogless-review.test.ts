import type { CatalogSnapshot, ColumnCatalogAccess } from "@sluice/policy/column-catalog";
import { catalogSnapshot } from "@sluice/policy/column-catalog";
import { createPolicyDecisionPoint } from "@sluice/policy/decision-point";
import { FactsCache } from "@sluice/policy/facts-cache";
import type { ConnectionPolicy } from "@sluice/policy/rules";
import { loadParser } from "@sluice/sql/parser";
import { beforeAll, describe, expect, it } from "vitest";

beforeAll(() => loadParser());

const POLICY: ConnectionPolicy = {
  connectionName: "shop",
  isReadOnly: false,
  guardrails: [],
  reviews: [
    { name: "salary-reads", match: { columns: ["public.employees.salary"] }, reviewerGroups: ["finance"] },
  ],
};

function openSession(access: ColumnCatalogAccess) {
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
  return point.openSession(identity, { login: "app", columns: access });
}

const decide = (access: ColumnCatalogAccess, sql: string) =>
  Promise.resolve(openSession(access).decide({ sql, via: "simple", isUpstreamSettled: true }));

/** The review rule that caught the statement (this decision point cannot hold, so it refuses by it), or null. */
const reviewedBy = async (access: ColumnCatalogAccess, sql: string) => {
  const verdict = await decide(access, sql);
  return verdict.kind === "allow" ? null : (verdict as { rule?: string }).rule;
};

/** `salary_x2 GENERATED ALWAYS AS (salary * 2) STORED`, as the catalog read gives it. */
function employeesCatalog(): CatalogSnapshot {
  return catalogSnapshot(
    [
      { schema: "public", table: "employees", column: "id", attnum: 1, isView: false },
      { schema: "public", table: "employees", column: "salary", attnum: 2, isView: false },
      {
        schema: "public",
        table: "employees",
        column: "salary_x2",
        attnum: 3,
        isView: false,
        computedFrom: [2],
      },
    ],
    undefined,
    Date.now(),
  );
}

describe("review rules on a column when the catalog cannot be read", () => {
  const unreadable: ColumnCatalogAccess = {
    current: () => null,
    refresh: () => Promise.reject(new Error("the catalog connection failed")),
  };

  it("catch a read of any column of the table: it may be computed from the reviewed one", async () => {
    expect(await reviewedBy(unreadable, "SELECT salary_x2 FROM employees")).toBe("salary-reads");
    expect(await reviewedBy(unreadable, "SELECT salary FROM employees")).toBe("salary-reads");
  });

  it("leave other tables alone", async () => {
    expect(await reviewedBy(unreadable, "SELECT id FROM orders")).toBeNull();
  });

  it("with the catalog read, catch the generated column and allow the others", async () => {
    let snapshot: CatalogSnapshot | null = null;
    const readable: ColumnCatalogAccess = {
      current: () => snapshot,
      refresh: async () => {
        snapshot = employeesCatalog();
        return snapshot;
      },
    };
    expect(await reviewedBy(readable, "SELECT salary_x2 FROM employees")).toBe("salary-reads");
    expect(await reviewedBy(readable, "SELECT id FROM employees")).toBeNull();
  });
});
