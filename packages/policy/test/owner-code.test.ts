import { type ConnectionPolicy, parseGuardrail } from "@sluice/policy/rules";
import { type UpstreamCode, upstreamCode, type WriteCodeRow } from "@sluice/policy/upstream-code";
import type { StatementFacts } from "@sluice/sql/facts";
import { loadParser, parseStatements } from "@sluice/sql/parser";
import { beforeAll, describe, expect, it } from "vitest";
import { ownerCodeRefusal } from "../src/owner-code";

beforeAll(() => loadParser());

const row = (
  table: string,
  source: string,
  fn: [string, string] | null,
  via = `public.${table}`,
): WriteCodeRow => ({
  schema: "public",
  table,
  source,
  via,
  functionSchema: fn?.[0] ?? null,
  functionName: fn?.[1] ?? null,
});

/** The owner's code as the catalog read reports it: a user trigger, a rule, a built-in trigger, a default. */
const CODE: UpstreamCode = upstreamCode({
  writeRunsCode: [],
  writeCode: [
    row("orders", "trigger copy_ssn", ["public", "copy_ssn"]),
    row("requests", "rule copy_rule", null),
    row("docs", "trigger tsv", ["pg_catalog", "tsvector_update_trigger"]),
    row("tickets", "the default of column note", ["other", "ssns"]),
    row("parcels", "trigger copy_low", ["public", "copy_ssn"], "public.parcels_low"),
  ],
  userFunctions: [],
  userOperators: [],
  typeCode: [],
  hasEventTriggers: false,
});

const policy = (allowed: string[] = []): ConnectionPolicy => ({
  connectionName: "shop",
  isReadOnly: false,
  guardrails: allowed.length
    ? [parseGuardrail({ name: "allow", kind: "FUNCTION", effect: "ALLOW", match: { functions: allowed } })]
    : [],
  reviews: [],
});

function facts(sql: string): StatementFacts[] {
  const parsed = parseStatements(sql);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.statements;
}

const refusal = (sql: string, allowed: string[] = []) => ownerCodeRefusal(policy(allowed), facts(sql), CODE);

describe("owner code a write runs", () => {
  it.each([
    "INSERT INTO orders VALUES (1)",
    "INSERT INTO public.orders VALUES (1)",
    "UPDATE orders SET status = 'x' WHERE id = 1",
    "DELETE FROM orders WHERE id = 1",
    "COPY orders FROM STDIN",
    "WITH n AS (INSERT INTO orders VALUES (1) RETURNING id) SELECT id FROM n",
    "MERGE INTO orders t USING refunds s ON t.id = s.order_id WHEN MATCHED THEN DELETE",
    "INSERT INTO tickets (id) VALUES (1)",
    "INSERT INTO parcels VALUES (5)",
    "PREPARE p AS INSERT INTO orders VALUES (1)",
  ])("%s is refused while its function is not allowed", (sql) => {
    expect(refusal(sql)).toMatch(/runs the table owner's .*could copy masked values/);
  });

  it("names the code, the relation it hangs on and the guardrail that allows it", () => {
    expect(refusal("INSERT INTO orders VALUES (1)")).toContain(
      `a write to orders runs the table owner's trigger copy_ssn (public.copy_ssn()), whose body Sluice cannot judge`,
    );
    expect(refusal("INSERT INTO parcels VALUES (5)")).toContain("trigger copy_low on public.parcels_low");
    expect(refusal("INSERT INTO orders VALUES (1)")).toContain('functions: ["public.copy_ssn"]');
  });

  it("runs when an ALLOW FUNCTION names the function, or the function is a built-in classified safe", () => {
    expect(refusal("INSERT INTO orders VALUES (1)", ["public.copy_ssn"])).toBeNull();
    expect(refusal("INSERT INTO tickets (id) VALUES (1)", ["other.*"])).toBeNull();
    expect(refusal("INSERT INTO docs VALUES (1)")).toBeNull();
    // A bare name allows unqualified calls only: the trigger's function is schema-qualified.
    expect(refusal("INSERT INTO orders VALUES (1)", ["copy_ssn"])).not.toBeNull();
  });

  it("refuses a rule whatever is allowed: it names no function", () => {
    expect(refusal("INSERT INTO requests VALUES (1)", ["*"])).toMatch(/rule copy_rule.*cannot judge/);
  });

  it("leaves reads and writes to tables without owner code alone", () => {
    expect(refusal("SELECT * FROM orders")).toBeNull();
    expect(refusal("INSERT INTO plain VALUES (1)")).toBeNull();
    expect(refusal("INSERT INTO other.orders VALUES (1)")).toBeNull();
  });

  it("refuses every write when the catalog could not be read (fail closed)", () => {
    const withoutCatalog = (sql: string) => ownerCodeRefusal(policy(), facts(sql), undefined);
    expect(withoutCatalog("INSERT INTO plain VALUES (1)")).toMatch(/catalog could not be read/);
    expect(withoutCatalog("SELECT 1")).toBeNull();
  });
});
