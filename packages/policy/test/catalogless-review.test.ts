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

/** The same column under a COLUMN guardrail instead (a refusal, not a hold). */
const GUARDED: ConnectionPolicy = {
  connectionName: "shop",
  isReadOnly: false,
  guardrails: [
    { name: "no-salary", kind: "COLUMN", effect: "DENY", match: { columns: ["public.employees.salary"] } },
  ],
  reviews: [],
};

function openSession(access: ColumnCatalogAccess, policy: ConnectionPolicy = POLICY) {
  const point = createPolicyDecisionPoint({
    policies: { version: 1, get: () => policy, reload: async () => {} },
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

  it("catch a read of any other relation, saying why: it may be a view over the table", async () => {
    // Without the catalog `orders` may be `CREATE VIEW orders AS SELECT salary FROM employees`.
    expect(await reviewedBy(unreadable, "SELECT id FROM orders")).toBe("salary-reads");
    expect(await reviewedBy(unreadable, "SELECT 1 FROM hr.pay p JOIN orders o ON true")).toBe("salary-reads");
    const verdict = await decide(unreadable, "SELECT id FROM orders");
    expect((verdict as { message?: string }).message).toMatch(
      /: orders may be a view reading any column: the upstream's catalog could not be read/,
    );
  });

  it("refuse the same read under a COLUMN guardrail, saying why", async () => {
    const verdict = await Promise.resolve(
      openSession(unreadable, GUARDED).decide({
        sql: "SELECT id FROM orders",
        via: "simple",
        isUpstreamSettled: true,
      }),
    );
    expect(verdict.kind).toBe("deny");
    expect((verdict as { message?: string }).message).toMatch(
      /guardrail "no-salary".*\(orders may be a view reading any column: the upstream's catalog could not be read/,
    );
  });

  it("leave a statement that reads no relation alone", async () => {
    expect(await reviewedBy(unreadable, "SELECT 1")).toBeNull();
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
    // A relation the catalog read shows as no view reads nothing of employees.
    expect(await reviewedBy(readable, "SELECT id FROM orders")).toBeNull();
  });
});
