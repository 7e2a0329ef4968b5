import { fakePerson } from "@sluice/db/demo/fake-people";
import { createRandom } from "@sluice/db/demo/random";
import { bumpPolicyVersion } from "@sluice/db/policy-version";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/gateway-harness";
import { connectRecording } from "./support/received-bytes";

/**
 * Functions the server runs under a name Sluice trusts (issue 14, class 4, the catalog half): a
 * database owner's function that shadows a built-in by name with other argument types, an operator
 * that shadows a built-in one, casts whose type runs a user function (a domain CHECK, a CREATE CAST
 * function), and CREATE TRIGGER's EXECUTE FUNCTION. Each leak is first run straight against the
 * upstream as the brokered role (the oracle: it returns or copies SSNs); through Sluice it must be
 * refused as an unknown function, with no SSN in any byte the client receives and none copied.
 */
let harness: Harness;
let direct: pg.Client;
const people = Array.from({ length: 20 }, (_, i) => fakePerson(createRandom(1415), i + 1));
const SSNS = people.map((p) => p.ssn);
const SSN_XML = "query_to_xml('SELECT ssn FROM customers', true, false, '')::text";

beforeAll(async () => {
  harness = await startHarness();
  direct = new pg.Client({ connectionString: harness.directUrl });
  await direct.connect();
  await direct.query("CREATE TABLE customers (id int PRIMARY KEY, ssn text)");
  await direct.query("INSERT INTO customers SELECT * FROM unnest($1::int[], $2::text[])", [
    people.map((_, i) => i + 1),
    SSNS,
  ]);
  await direct.query(`
    CREATE TABLE copied (body text);
    CREATE FUNCTION public.upper(integer) RETURNS text LANGUAGE sql AS $$ SELECT ${SSN_XML} $$;
    CREATE FUNCTION public.length(anyelement) RETURNS text LANGUAGE sql AS $$ SELECT ${SSN_XML} $$;
    CREATE FUNCTION public.abs(text) RETURNS text LANGUAGE sql AS $$ SELECT ${SSN_XML} $$;
    CREATE FUNCTION public.concat_leak(int, int) RETURNS text LANGUAGE sql AS $$ SELECT ${SSN_XML} $$;
    CREATE OPERATOR public.|| (LEFTARG = int, RIGHTARG = int, FUNCTION = public.concat_leak);
    CREATE FUNCTION public.copy_ssns(v text) RETURNS boolean LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO copied SELECT ssn FROM customers; RETURN true; END $$;
    CREATE DOMAIN public.checked_text AS text CHECK (public.copy_ssns(VALUE));
    CREATE TYPE public.mood AS ENUM ('ok');
    CREATE FUNCTION public.mood_leak(public.mood) RETURNS int LANGUAGE sql
      AS $$ INSERT INTO copied SELECT ssn FROM customers; SELECT 1 $$;
    CREATE CAST (public.mood AS int) WITH FUNCTION public.mood_leak(public.mood);
    CREATE FUNCTION public.copy_on_write() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO copied SELECT ssn FROM customers; RETURN NEW; END $$;
    CREATE TABLE scratch (id int);`);
  const role = decodeURIComponent(new URL(harness.directUrl).username);
  await direct.query(`GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role}`);
  const shop = await harness.prisma.connection.findUniqueOrThrow({ where: { name: harness.connectionName } });
  await harness.prisma.maskingRule.create({
    data: { connectionId: shop.id, name: "ssn", columnSelector: "public.customers.ssn", strategy: "REDACT" },
  });
  await bumpPolicyVersion(harness.prisma);
  await harness.gateway.policies.reload();
});
afterAll(async () => {
  await direct?.end();
  await harness?.stop();
});

/** Runs one statement on a fresh session; every byte received, and the error if any. */
async function attempt(url: string, sql: string) {
  const { client, received } = await connectRecording(url);
  client.on("error", () => {});
  try {
    const error = await client.query(sql).then(
      () => null,
      (e: Error & { code?: string }) => e,
    );
    return { error, bytes: received().toString("latin1") };
  } finally {
    await client.end().catch(() => {});
  }
}

const leaked = (bytes: string) => SSNS.filter((ssn) => bytes.includes(ssn));
const copiedCount = async () => (await direct.query("SELECT count(*)::int AS n FROM copied")).rows[0].n;

const LEAKS: Array<{ name: string; sql: string; via: "rows" | "copy" }> = [
  { name: "public.upper(integer) shadows upper(text)", sql: "SELECT upper(5)", via: "rows" },
  { name: "the shadow over a column", sql: "SELECT upper(id) FROM customers WHERE id = 1", via: "rows" },
  {
    name: "the shadow in ORDER BY too",
    sql: "SELECT upper(id) FROM customers ORDER BY upper(id) LIMIT 1",
    via: "rows",
  },
  { name: "the shadow in a CTE", sql: "WITH x AS (SELECT upper(1) AS u) SELECT u FROM x", via: "rows" },
  { name: "the shadow in a subquery", sql: "SELECT (SELECT upper(2))", via: "rows" },
  { name: "public.length(anyelement)", sql: "SELECT length(1)", via: "rows" },
  { name: "public.abs(text)", sql: "SELECT abs('x')", via: "rows" },
  { name: "an operator || of int shadows the built-in ||", sql: "SELECT 1 || 2", via: "rows" },
  { name: "a domain CHECK calling a user function", sql: "SELECT 'x'::checked_text", via: "copy" },
  { name: "CAST to the domain, qualified", sql: "SELECT CAST('x' AS public.checked_text)", via: "copy" },
  { name: "an array of the domain", sql: "SELECT '{x}'::checked_text[]", via: "copy" },
  { name: "CREATE CAST's function, cast from the enum", sql: "SELECT 'ok'::mood::int", via: "copy" },
];

describe("bypass corpus: functions the catalog says run under a trusted name", () => {
  for (const leak of LEAKS) {
    it(`[functions] ${leak.name}: leaks directly, refused through Sluice`, async () => {
      const before = await copiedCount();
      const oracle = await attempt(harness.directUrl, leak.sql);
      expect(oracle.error).toBeNull();
      if (leak.via === "rows") expect(leaked(oracle.bytes).length).toBeGreaterThan(0);
      else expect(await copiedCount()).toBeGreaterThan(before);
      await direct.query("TRUNCATE copied");
      const through = await attempt(harness.url, leak.sql);
      expect(through.error?.message).toMatch(/^blocked by Sluice default "sluice:unknown-function"/);
      expect(leaked(through.bytes)).toEqual([]);
      expect(await copiedCount()).toBe(0);
    });
  }

  it("[functions] the built-ins written pg_catalog.f, and names nobody shadowed, still run", async () => {
    const { client } = await connectRecording(harness.url);
    try {
      const { rows } = await client.query(
        "SELECT pg_catalog.upper('a') AS u, lower('B') AS l, 1 OPERATOR(pg_catalog.+) 2 AS s, 'x'::text AS t",
      );
      expect(rows).toEqual([{ u: "A", l: "b", s: 3, t: "x" }]);
    } finally {
      await client.end();
    }
  });

  it("[functions] CREATE TRIGGER ... EXECUTE FUNCTION judges the function like a call", async () => {
    const sql =
      "CREATE TRIGGER copy_on_write AFTER INSERT ON scratch FOR EACH ROW EXECUTE FUNCTION public.copy_on_write()";
    const through = await attempt(harness.url, sql);
    expect(through.error?.message).toMatch(/^blocked by Sluice default "sluice:unknown-function"/);
    expect(through.error?.message).toContain("public.copy_on_write()");
    const triggers = await direct.query(
      "SELECT count(*)::int AS n FROM pg_trigger WHERE tgname = 'copy_on_write'",
    );
    expect(triggers.rows[0].n).toBe(0);
    const procedure = "CREATE TRIGGER t2 BEFORE UPDATE ON scratch EXECUTE PROCEDURE copy_on_write()";
    expect((await attempt(harness.url, procedure)).error?.message).toMatch(/"sluice:unknown-function"/);
    // An event trigger is refused as a privilege change before its function is judged.
    const event = "CREATE EVENT TRIGGER e ON ddl_command_start EXECUTE FUNCTION public.copy_on_write()";
    expect((await attempt(harness.url, event)).error?.message).toMatch(/^blocked by Sluice default/);
  });
});
