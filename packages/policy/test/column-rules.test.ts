import { catalogSnapshot, relationCatalog } from "@sluice/policy/column-catalog";
import { type ConnectionPolicy, parseGuardrail } from "@sluice/policy/rules";
import { loadParser, parseStatements } from "@sluice/sql/parser";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluate, type SessionContext } from "../src/engine";
import { PolicySessionState } from "../src/session-state";

beforeAll(() => loadParser());

const EMPLOYEES = ["id", "first_name", "last_name", "email", "ssn", "department", "title", "salary"];
const SNAPSHOT = catalogSnapshot([
  ...EMPLOYEES.map((column, i) => ({
    schema: "public",
    table: "employees",
    column,
    attnum: i + 1,
    isView: false,
  })),
  { schema: "public", table: "salaries_v", column: "amount", attnum: 1, isView: true },
  { schema: "pg_temp_3", table: "scratch", column: "pay", attnum: 1, isView: false },
]);

const REVIEWS: ConnectionPolicy = {
  connectionName: "shop",
  isReadOnly: false,
  guardrails: [],
  reviews: [
    { name: "salary-reads", match: { columns: ["public.employees.salary"] }, reviewerGroups: ["finance"] },
  ],
};
const DENIES: ConnectionPolicy = {
  ...REVIEWS,
  guardrails: [
    parseGuardrail({ name: "no-emails", kind: "COLUMN", effect: "DENY", match: { columns: ["email"] } }),
  ],
  reviews: [],
};

function judge(sql: string, withCatalog = true, policy = REVIEWS) {
  const state = new PolicySessionState("app");
  const session: SessionContext = withCatalog
    ? {
        searchPath: state.searchPath,
        implicitSchemas: state.implicitSchemas,
        prepared: state.prepared,
        columns: relationCatalog(SNAPSHOT, state),
      }
    : state;
  const verdict = evaluate(policy, parseStatements(sql), session);
  return verdict.kind === "allow" ? "allow" : verdict.rule;
}

describe("column rules resolve columns the way the server does", () => {
  it("follows alias lists, attribute notation and whole rows to the reviewed column", () => {
    expect(judge("SELECT s FROM employees AS e(i, f, l, em, ss, d, t, s)")).toBe("salary-reads");
    expect(judge("SELECT e.to_jsonb FROM employees e")).toBe("salary-reads");
    expect(judge("SELECT to_jsonb(j) FROM (employees e CROSS JOIN pg_class p) AS j")).toBe("salary-reads");
    expect(judge("UPDATE employees SET salary = 0 WHERE id = 1")).toBe("salary-reads");
    expect(judge("SELECT em FROM employees AS e(i, em) WHERE i = 1")).toBe("allow");
    expect(judge("SELECT upper(f) FROM employees AS e(i, f)")).toBe("allow");
  });

  it("applies deny rules the same way, and reads system catalogs by name", () => {
    expect(judge("SELECT e4 FROM employees AS e(e1, e2, e3, e4)", true, DENIES)).toBe("no-emails");
    expect(judge("SELECT e.email FROM employees AS e(x)", true, DENIES)).toBe("no-emails");
    expect(judge("SELECT d FROM employees AS e(a, b, c, x, d)", true, DENIES)).toBe("allow");
    expect(judge("SELECT relname FROM pg_class", true, DENIES)).toBe("allow");
  });

  it("fails closed on what the catalog cannot show: views, unknown relations, and no catalog", () => {
    expect(judge("SELECT amount FROM salaries_v, employees")).toBe("salary-reads");
    expect(judge("SELECT x FROM created_since, employees")).toBe("salary-reads");
    expect(judge("SELECT pay FROM scratch, employees")).toBe("allow");
    // Without a catalog, e.first_name may be first_name(e): the whole row.
    expect(judge("SELECT e.first_name FROM employees e", false)).toBe("salary-reads");
    expect(judge("SELECT first_name FROM employees", false)).toBe("allow");
  });
});
