import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/gateway-harness";
import { attempt, leakedForms, ordersFingerprint, seedVariantShop } from "./support/variant-shop";

/**
 * Held-back variants of issue 14's classes 3 (lineage), 4 (functions) and 5 (error text), tried
 * as an attacker would after the reproductions were closed: inheritance, grouping sets, window
 * functions, row constructors and record fields, a function in another schema, constraint and
 * foreign-key errors that print rows, a trigger that RAISEs what it read. Each runs through the
 * real gateway (simple and extended protocol); a case marked `isRealLeak` is first run directly to
 * show the server really hands out the values.
 */
type ValueCase = {
  steps: string[];
  /** "rows": runs and returns rows; "error": the server's own error; else the Sluice rule that refuses. */
  expect: "rows" | "error" | string;
  isRealLeak?: boolean;
};

const CASES: ValueCase[] = [
  // Lineage: a child of the masked table is masked (its rows are customers' rows), by name or whole.
  { steps: ["SELECT ssn FROM vip"], expect: "rows", isRealLeak: true },
  { steps: ["SELECT * FROM vip"], expect: "rows", isRealLeak: true },
  { steps: ["SELECT to_jsonb(v) FROM vip v"], expect: "rows", isRealLeak: true },
  { steps: ["SELECT upper(s) FROM ONLY vip AS v(i, f, e, s)"], expect: "rows", isRealLeak: true },
  { steps: ["CREATE TEMP TABLE copied AS SELECT ssn FROM vip"], expect: "sluice:unmaskable-channel" },
  // …and a rule on a partition masks the column read through the partitioned parent.
  { steps: ["SELECT ssn FROM accounts"], expect: "rows", isRealLeak: true },
  { steps: ["SELECT a::text FROM accounts a"], expect: "rows", isRealLeak: true },
  { steps: ["SELECT upper(ssn) FROM accounts"], expect: "rows", isRealLeak: true },
  {
    steps: ["SELECT ssn || '' FROM customers GROUP BY GROUPING SETS ((ssn), ())"],
    expect: "rows",
    isRealLeak: true,
  },
  {
    steps: ["SELECT first_value(ssn) OVER (ORDER BY id) || '' FROM customers"],
    expect: "rows",
    isRealLeak: true,
  },
  { steps: ["SELECT (c.*)::text FROM customers c"], expect: "rows", isRealLeak: true },
  {
    steps: ["SELECT (x).ssn || '' FROM (SELECT c AS x FROM customers c) q"],
    expect: "rows",
    isRealLeak: true,
  },
  {
    steps: ["SELECT (json_populate_record(null::customers, to_json(c))).ssn || '' FROM customers c"],
    expect: "rows",
    isRealLeak: true,
  },
  { steps: ["SELECT array_agg(c)::text FROM customers c"], expect: "rows", isRealLeak: true },
  {
    steps: [
      "SELECT * FROM ROWS FROM (jsonb_to_record((SELECT to_jsonb(c) FROM customers c LIMIT 1))) AS r(ssn text)",
    ],
    expect: "rows",
    isRealLeak: true,
  },
  { steps: ["SELECT (ROW(c.ssn, 1)).f1 FROM customers c"], expect: "rows", isRealLeak: true },
  {
    steps: ["SELECT j.d || '' FROM (customers c JOIN orders o USING (id)) AS j(a, b, c2, d)"],
    expect: "rows",
    isRealLeak: true,
  },
  { steps: ["SELECT unnest(array_agg(ssn)) FROM customers"], expect: "rows", isRealLeak: true },
  { steps: ["SELECT (jsonb_agg(c) -> 0) ->> 'ssn' FROM customers c"], expect: "rows", isRealLeak: true },
  { steps: ["COPY (SELECT ssn FROM customers) TO STDOUT"], expect: "sluice:unmaskable-channel" },
  { steps: ["SELECT ssn INTO TEMP t2 FROM customers"], expect: "sluice:unmaskable-channel" },
  // Functions: user code in any schema, under any search path, is refused unless an admin allows it.
  { steps: ["SELECT * FROM other.f()"], expect: "sluice:unknown-function", isRealLeak: true },
  { steps: ["SELECT other.f()"], expect: "sluice:unknown-function", isRealLeak: true },
  { steps: ["SET search_path = other, pg_catalog", "SELECT f()"], expect: "sluice:unknown-function" },
  {
    steps: ["SELECT pg_catalog.query_to_xml('select ssn from customers', true, false, '')"],
    expect: "sluice:hidden-sql",
  },
  {
    steps: [
      "CREATE FUNCTION public.lower(text) RETURNS text LANGUAGE sql AS 'SELECT string_agg(ssn, '','') FROM customers'",
    ],
    expect: "sluice:hidden-sql",
  },
  {
    // The CREATE is refused (its body is hidden SQL); the CALL names a routine nobody classified.
    steps: ["CREATE PROCEDURE wipe() LANGUAGE sql AS 'DELETE FROM orders'", "CALL wipe()"],
    expect: "sluice:unknown-function",
  },
  {
    steps: ["CREATE DOMAIN dd AS int CHECK (VALUE > (SELECT count(*) FROM customers WHERE ssn LIKE '1%'))"],
    expect: "sluice:unmodeled",
  },
  // The owner's code behind names the agent may use unawares: refused, or its output masked.
  {
    steps: ["SET search_path = public, pg_catalog", "SELECT initcap('x')"],
    expect: "sluice:unknown-function",
    isRealLeak: true,
  },
  { steps: ["SELECT 'a'::text + 'b'::text"], expect: "sluice:unknown-function", isRealLeak: true },
  { steps: ["SELECT ROW(1)::other.pair::text"], expect: "sluice:unknown-function", isRealLeak: true },
  { steps: ["SELECT other.agg(status) FROM orders"], expect: "sluice:unknown-function", isRealLeak: true },
  { steps: ["SELECT 'x'::other.checked"], expect: "sluice:unknown-function", isRealLeak: true },
  { steps: ["SELECT x FROM other.v"], expect: "rows", isRealLeak: true },
  // Values stored where a later statement reads them back with no origin: a sequence, a lock key.
  {
    steps: [
      "CREATE TEMP SEQUENCE s9",
      "SELECT setval('s9', replace(ssn, '-', '')::bigint) FROM customers WHERE id = 1",
      "SELECT nextval('s9')::text AS v, last_value::text AS l FROM pg_sequences WHERE sequencename = 's9'",
    ],
    expect: "rows",
    isRealLeak: true,
  },
  {
    steps: [
      "SELECT pg_advisory_lock(replace(ssn, '-', '')::bigint) IS NOT NULL FROM customers WHERE id = 1",
      "SELECT objid::text AS o FROM pg_locks WHERE locktype = 'advisory'",
    ],
    expect: "rows",
    isRealLeak: true,
  },
  {
    steps: [
      "BEGIN",
      "SELECT pg_try_advisory_xact_lock(0, replace(ssn, '-', '')::int) FROM customers WHERE id = 3",
      "SELECT objid::text AS o FROM pg_locks WHERE locktype = 'advisory'",
    ],
    // The refusal aborts the transaction, as the server's own error would: the read is refused too.
    expect: "error",
    isRealLeak: true,
  },
  // Error text: constraint errors print the row, foreign keys the key, triggers what they read.
  // The trigger is the owner's plpgsql, which Sluice cannot judge: refused on a masked connection.
  { steps: ["INSERT INTO notes VALUES (1, 'x')"], expect: "sluice:owner-code", isRealLeak: true },
  {
    steps: ["UPDATE customers SET first_name = repeat('x', 60) WHERE id = 1"],
    expect: "error",
    isRealLeak: true,
  },
  { steps: ["DELETE FROM customers WHERE id = 1"], expect: "error", isRealLeak: true },
  {
    steps: ["UPDATE customers SET ssn = (SELECT ssn FROM customers WHERE id = 2) WHERE id = 1"],
    expect: "sluice:unmaskable-channel",
  },
  { steps: ["SELECT date_trunc(ssn, now()) FROM customers"], expect: "error", isRealLeak: true },
  { steps: ["SELECT current_setting(ssn) FROM customers"], expect: "error", isRealLeak: true },
  { steps: ["SELECT encode('x', ssn) FROM customers"], expect: "error", isRealLeak: true },
  { steps: ["SELECT ssn::int4range FROM customers"], expect: "error", isRealLeak: true },
  // nextval stores into a sequence: refused before its error could quote anything.
  { steps: ["SELECT nextval(ssn) FROM customers"], expect: "sluice:unmaskable-channel", isRealLeak: true },
  { steps: ["SELECT ssn::regnamespace FROM customers"], expect: "error", isRealLeak: true },
  { steps: ["SELECT convert_to('x', email) FROM customers"], expect: "error", isRealLeak: true },
  { steps: ["SELECT ssn::pg_lsn FROM customers"], expect: "error", isRealLeak: true },
  { steps: ["SELECT id FROM customers WHERE date_part(ssn, now()) > 0"], expect: "error", isRealLeak: true },
];

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
  await seedVariantShop(harness);
});
afterAll(() => harness?.stop());

function outcomeOf(results: Awaited<ReturnType<typeof attempt>>["results"]): string {
  const last = results.at(-1);
  if (!last || "rows" in last) return "rows";
  return /"(sluice:[a-z-]+)"/.exec(last.message)?.[1] ?? "error";
}

describe("held-back variants of lineage, functions and error text", () => {
  it("has 35 or more cases", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(35);
  });

  for (const testCase of CASES) {
    it(`${testCase.steps.join("; ")} → ${testCase.expect}`, async () => {
      if (testCase.isRealLeak) {
        const direct = await attempt(harness.directUrl, testCase.steps, "simple");
        expect(leakedForms(direct.bytes).length).toBeGreaterThan(0);
      }
      const orders = await ordersFingerprint(harness.directUrl);
      for (const mode of ["simple", "extended"] as const) {
        const through = await attempt(harness.url, testCase.steps, mode);
        expect(leakedForms(through.bytes), mode).toEqual([]);
        expect(outcomeOf(through.results), mode).toBe(testCase.expect);
      }
      expect(await ordersFingerprint(harness.directUrl)).toBe(orders);
    });
  }

  it("a server error that touched masked values keeps its SQLSTATE and says why its text is withheld", async () => {
    const through = await attempt(harness.url, ["DELETE FROM customers WHERE id = 1"], "simple");
    expect(through.results[0]).toMatchObject({
      code: "23503",
      message: expect.stringContaining("the server's message is withheld"),
    });
  });
});
