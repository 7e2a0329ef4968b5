import { type ConnectionPolicy, parseGuardrail } from "@sluice/policy/rules";
import { loadParser, parseStatements } from "@sluice/sql/parser";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluate, type SessionContext } from "../src/engine";
import { PolicySessionState } from "../src/session-state";
import type { ViewRead, ViewReads } from "../src/view-reads";

beforeAll(() => loadParser());

/**
 * The engine asks a column rule about the views a statement reads before it asks whether the
 * statement names the rule's table at all: a view over the column never names that table.
 */
const VIEWS: ViewReads = new Map<string, ViewRead>([
  ["public.pay", [{ schema: "public", table: "employees", column: "salary" }]],
  ["public.directory", [{ schema: "public", table: "employees", column: "email" }]],
  ["public.mystery", { whyOpaque: "it calls f(), which is not a known built-in" }],
]);

const POLICY: ConnectionPolicy = {
  connectionName: "shop",
  isReadOnly: false,
  guardrails: [
    parseGuardrail({
      name: "no-ssn",
      kind: "COLUMN",
      effect: "DENY",
      match: { columns: ["public.employees.ssn"] },
    }),
  ],
  reviews: [
    { name: "salary-reads", match: { columns: ["public.employees.salary"] }, reviewerGroups: ["finance"] },
  ],
};

function judge(sql: string): string {
  const state = new PolicySessionState("app");
  const session: SessionContext = {
    searchPath: state.searchPath,
    implicitSchemas: state.implicitSchemas,
    prepared: state.prepared,
    viewReads: VIEWS,
  };
  const verdict = evaluate(POLICY, parseStatements(sql), session);
  return verdict.kind === "allow" ? "allow" : `${verdict.kind} ${verdict.rule}: ${verdict.message}`;
}

describe("column rules through views", () => {
  it("reviews a read of a view over the reviewed column", () => {
    expect(judge("SELECT * FROM pay")).toMatch(/^review salary-reads/);
    expect(judge("SELECT count(*) FROM public.pay WHERE true")).toMatch(/^review salary-reads/);
  });

  it("refuses a view nobody can trace for a COLUMN rule, and says why", () => {
    expect(judge("SELECT * FROM mystery")).toBe(
      'deny no-ssn: blocked by guardrail "no-ssn" on connection shop: SELECT uses column public.employees.ssn (view public.mystery counts as reading every column: it calls f(), which is not a known built-in)',
    );
  });

  it("lets through a view over other columns", () => {
    expect(judge("SELECT * FROM directory")).toBe("allow");
  });
});
