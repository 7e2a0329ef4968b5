import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyGuardrails } from "./support/bypass-stage";
import { type Harness, startHarness } from "./support/gateway-harness";
import { MASKED_PEOPLE, seedMaskedShop } from "./support/masked-shop";
import { attempt } from "./support/variant-shop";

/**
 * Owner code copying masked values (issue 14): a write to a table no masking rule names can fire
 * the owner's trigger, rule, default or generated column, and that code reads `customers.ssn` in
 * clear and stores it where a later SELECT returns it. Each write is first run straight against
 * the server (rolled back) to show the copy really happens; through Sluice it is refused, in both
 * protocols, and the server's audit table holds no copy.
 */
const SSN = MASKED_PEOPLE[0]?.ssn as string;

/** The owner's schema: every piece of code reads customers.ssn and stores it in clear. */
const SCHEMA = `
  CREATE TABLE audit (ref int, note text);
  CREATE FUNCTION copy_ssn() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN INSERT INTO audit SELECT NEW.id, ssn FROM customers WHERE id = 1; RETURN NEW; END $$;
  CREATE TRIGGER copy_ssn AFTER INSERT ON orders FOR EACH ROW EXECUTE FUNCTION copy_ssn();
  CREATE TABLE shipments (id int);
  CREATE FUNCTION copy_all() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN INSERT INTO audit SELECT 0, ssn FROM customers WHERE id = 1; RETURN NULL; END $$;
  CREATE TRIGGER copy_all AFTER INSERT ON shipments FOR EACH STATEMENT EXECUTE FUNCTION copy_all();
  CREATE FUNCTION first_ssn() RETURNS text LANGUAGE sql AS 'SELECT ssn FROM public.customers WHERE id = 1';
  CREATE TABLE tickets (id int, note text DEFAULT first_ssn());
  CREATE FUNCTION ssn_of(int) RETURNS text IMMUTABLE LANGUAGE sql AS 'SELECT ssn FROM public.customers WHERE id = $1';
  CREATE TABLE labels (cid int, tag text GENERATED ALWAYS AS (ssn_of(cid)) STORED);
  CREATE TABLE requests (id int);
  CREATE RULE copy_rule AS ON INSERT TO requests DO ALSO INSERT INTO audit SELECT NEW.id, ssn FROM customers WHERE id = 1;
  CREATE TABLE parcels (id int) PARTITION BY RANGE (id);
  CREATE TABLE parcels_low PARTITION OF parcels FOR VALUES FROM (0) TO (100);
  CREATE TRIGGER copy_low AFTER INSERT ON parcels_low FOR EACH ROW EXECUTE FUNCTION copy_ssn();
  CREATE TABLE plain (id int);`;

/** Each write, and where its copy of the SSN lands in clear when the server runs it. */
const COPIES: { sql: string; copy: string }[] = [
  { sql: "INSERT INTO orders VALUES (10, 'new')", copy: "SELECT note AS v FROM audit" },
  { sql: "INSERT INTO public.orders VALUES (11, 'new')", copy: "SELECT note AS v FROM audit" },
  { sql: "INSERT INTO shipments VALUES (1)", copy: "SELECT note AS v FROM audit" },
  { sql: "INSERT INTO tickets (id) VALUES (1)", copy: "SELECT note AS v FROM tickets" },
  { sql: "INSERT INTO labels (cid) VALUES (1)", copy: "SELECT tag AS v FROM labels" },
  { sql: "UPDATE labels SET cid = 1 WHERE cid = 2", copy: "SELECT tag AS v FROM labels" },
  { sql: "INSERT INTO requests VALUES (1)", copy: "SELECT note AS v FROM audit" },
  { sql: "INSERT INTO parcels VALUES (5)", copy: "SELECT note AS v FROM audit" },
  {
    sql: "WITH n AS (INSERT INTO orders VALUES (12, 'new') RETURNING id) SELECT id FROM n",
    copy: "SELECT note AS v FROM audit",
  },
];

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
  await seedMaskedShop(harness);
  const direct = new pg.Client({ connectionString: harness.directUrl });
  await direct.connect();
  await direct.query(SCHEMA);
  await direct.query("INSERT INTO labels (cid) VALUES (2)");
  await direct.end();
});
afterAll(() => harness?.stop());

/** How many rows of the server's tables hold the SSN in clear. */
async function clearCopies(): Promise<number> {
  const direct = new pg.Client({ connectionString: harness.directUrl });
  await direct.connect();
  try {
    const { rows } = await direct.query(
      `SELECT (SELECT count(*) FROM audit WHERE note = $1) + (SELECT count(*) FROM tickets WHERE note = $1)
        + (SELECT count(*) FROM labels WHERE tag = $1) AS n`,
      [SSN],
    );
    return Number(rows[0].n);
  } finally {
    await direct.end();
  }
}

describe("a write that runs the owner's code is refused on a connection with masking", () => {
  for (const { sql, copy } of COPIES) {
    it(`${sql} → sluice:owner-code, and no copy on the server`, async () => {
      const upstream = await attempt(harness.directUrl, ["BEGIN", sql, copy, "ROLLBACK"], "simple");
      expect(upstream.results[2], "the server copies the SSN in clear").toEqual({
        rows: expect.arrayContaining([{ v: SSN }]),
      });
      expect(await clearCopies()).toBe(0);
      for (const mode of ["simple", "extended"] as const) {
        const through = await attempt(harness.url, [sql, copy], mode);
        expect(through.results[0], mode).toMatchObject({
          code: "42501",
          message: expect.stringMatching(/^blocked by Sluice default "sluice:owner-code"/),
        });
        expect(through.bytes).not.toContain(SSN);
      }
      expect(await clearCopies()).toBe(0);
    });
  }

  it("says which code runs and how to allow it; a rule cannot be allowed by name", async () => {
    const trigger = await attempt(harness.url, ["INSERT INTO orders VALUES (13, 'x')"], "simple");
    expect(trigger.results[0]).toMatchObject({
      message: expect.stringContaining(
        `a write to orders runs the table owner's trigger copy_ssn (public.copy_ssn()), whose body Sluice cannot judge`,
      ),
    });
    expect(JSON.stringify(trigger.results[0])).toContain('functions: [\\"public.copy_ssn\\"]');
    const rule = await attempt(harness.url, ["INSERT INTO requests VALUES (2)"], "simple");
    expect(rule.results[0]).toMatchObject({ message: expect.stringContaining("rule copy_rule") });
  });

  it("writes to a table without such code, and reads, still run", async () => {
    const through = await attempt(
      harness.url,
      [
        "INSERT INTO plain VALUES (1)",
        "SELECT count(*)::int AS n FROM plain",
        "SELECT ssn FROM customers LIMIT 1",
      ],
      "extended",
    );
    expect(through.results).toEqual([{ rows: [] }, { rows: [{ n: 1 }] }, { rows: [{ ssn: "[REDACTED]" }] }]);
  });

  it("an admin's ALLOW FUNCTION lets the named trigger run; the rule stays refused", async () => {
    await applyGuardrails(harness, [
      {
        name: "allow-copy-ssn",
        kind: "FUNCTION",
        effect: "ALLOW",
        match: { functions: ["public.copy_ssn"] },
      },
    ]);
    const through = await attempt(
      harness.url,
      ["INSERT INTO orders VALUES (20, 'allowed')", "INSERT INTO requests VALUES (3)"],
      "simple",
    );
    expect(through.results[0]).toEqual({ rows: [] });
    expect(through.results[1]).toMatchObject({
      code: "42501",
      message: expect.stringContaining("rule copy_rule"),
    });
    // The admin allowed it: the copy is there, as the owner's code wrote it.
    expect(await clearCopies()).toBe(1);
  });
});
