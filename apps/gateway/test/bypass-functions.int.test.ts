import { fakePerson } from "@sluice/db/demo/fake-people";
import { createRandom } from "@sluice/db/demo/random";
import { bumpPolicyVersion } from "@sluice/db/policy-version";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FUNCTION_CASES, SSN_QUERY } from "./corpus/function-cases";
import { type Harness, startHarness } from "./support/gateway-harness";
import { createCustomers } from "./support/masked-shop";
import { connectRecording } from "./support/received-bytes";

/**
 * Functions that run queries the gateway never sees (issue 14, class 4), and every way of reaching
 * them we could think of. Each exfiltration case is first run straight against the upstream, as the
 * brokered role, to show it really returns sensitive values; through Sluice it must be refused by the
 * named default and no sensitive value may reach the client in any byte (rows, errors, notices).
 */

let harness: Harness;
const READ_ONLY = "shop_functions_ro";
const people = Array.from({ length: 50 }, (_, i) => fakePerson(createRandom(1414), i + 1));
const SENSITIVE = people.flatMap((p) => [p.ssn, p.email, p.cardNumber]);

beforeAll(async () => {
  harness = await startHarness();
  const direct = new pg.Client({ connectionString: harness.directUrl });
  await direct.connect();
  await createCustomers(direct, people);
  // What an owner (or an extension) may have left in the database: each one runs a query inside.
  await direct.query(`
    CREATE TABLE notes (body text);
    CREATE FUNCTION public.dump_customers() RETURNS xml LANGUAGE sql
      AS $$ SELECT query_to_xml('${SSN_QUERY}', true, false, '') $$;
    CREATE FUNCTION public."Query_to_xml"(q text) RETURNS xml LANGUAGE sql
      AS $$ SELECT query_to_xml(q, true, false, '') $$;
    CREATE SCHEMA ext;
    CREATE FUNCTION ext.table_dump(t regclass) RETURNS xml LANGUAGE sql
      AS $$ SELECT table_to_xml(t, true, false, '') $$;
    -- Same name and arguments as pg_catalog.lower: it wins once pg_catalog comes later on the path.
    CREATE FUNCTION public.lower(text) RETURNS text LANGUAGE sql
      AS $$ SELECT query_to_xml('${SSN_QUERY}', true, false, '')::text $$;
    CREATE FUNCTION public.leak_op(text, text) RETURNS text LANGUAGE sql
      AS $$ SELECT query_to_xml('${SSN_QUERY}', true, false, '')::text $$;
    CREATE OPERATOR public.=== (LEFTARG = text, RIGHTARG = text, FUNCTION = public.leak_op);
    CREATE PROCEDURE public.copy_customers() LANGUAGE sql
      AS $$ INSERT INTO notes SELECT ssn FROM customers $$;`);
  await direct.end();

  const shop = await harness.prisma.connection.findUniqueOrThrow({ where: { name: harness.connectionName } });
  for (const [name, column, strategy] of [
    ["ssn", "ssn", "REDACT"],
    ["email", "email", "HASH"],
    ["card", "card_number", "REDACT"],
  ] as const) {
    await harness.prisma.maskingRule.create({
      data: { connectionId: shop.id, name, columnSelector: `public.customers.${column}`, strategy },
    });
  }
  await harness.addTwinConnection(READ_ONLY);
  await harness.prisma.connection.update({ where: { name: READ_ONLY }, data: { isReadOnly: true } });
  await bumpPolicyVersion(harness.prisma);
  await harness.gateway.policies.reload();
});
afterAll(() => harness?.stop());

type Attempt = { error: (Error & { code?: string }) | null; bytes: string };

/** Runs the setup (which must be allowed), then the attack; keeps every byte the client received. */
async function attempt(
  url: string,
  setup: readonly string[],
  sql: string | pg.QueryConfig,
): Promise<Attempt> {
  const { client, received } = await connectRecording(url);
  client.on("error", () => {});
  try {
    for (const statement of setup) await client.query(statement);
    let error: Attempt["error"] = null;
    await client.query(sql as pg.QueryConfig).catch((e: Error) => {
      error = e;
    });
    return { error, bytes: received().toString("latin1") };
  } finally {
    await client.end().catch(() => {});
  }
}

const leaked = (bytes: string) => SENSITIVE.filter((value) => bytes.includes(value));

describe("bypass corpus: functions that run queries the gateway never sees", () => {
  for (const testCase of FUNCTION_CASES) {
    it(`[functions] ${testCase.name} → ${testCase.rule}`, async () => {
      const setup = testCase.setup ?? [];
      if (testCase.isExfiltration) {
        // The oracle: straight to the upstream, the same statements do reveal sensitive values.
        const upstream = await attempt(harness.directUrl, setup, testCase.sql);
        expect(upstream.error?.message ?? null).toBeNull();
        expect(leaked(upstream.bytes).length).toBeGreaterThan(0);
      }
      const url = testCase.isReadOnly
        ? harness.urlFor(harness.agent.name, harness.token, READ_ONLY)
        : harness.url;
      const { error, bytes } = await attempt(url, setup, testCase.sql);
      expect(error?.message ?? "").toContain(`Sluice default "${testCase.rule}"`);
      expect(leaked(bytes)).toEqual([]);
    });
  }

  it("[functions] another session's query text stays out of reach", async () => {
    const ssn = people[0]?.ssn as string;
    const other = new pg.Client({ connectionString: harness.directUrl });
    await other.connect();
    try {
      // Left idle, the session's last query (with a real SSN in it) stays in its backend entry.
      await other.query(`SELECT '${ssn}' AS looked_up`);
      const sql = "SELECT pg_stat_get_backend_activity(s) FROM pg_stat_get_backend_idset() s";
      const upstream = await attempt(harness.directUrl, [], sql);
      expect(upstream.bytes).toContain(ssn);
      const { error, bytes } = await attempt(harness.url, [], sql);
      expect(error?.message ?? "").toContain('Sluice default "sluice:catalog-values"');
      expect(bytes).not.toContain(ssn);
    } finally {
      await other.end();
    }
  });

  it("[functions] the refusal names the function, the reason and how an admin allows it", async () => {
    const { error } = await attempt(harness.url, [], "SELECT ext.table_dump('customers')");
    expect(error?.message).toContain("ext.table_dump() is not a function Sluice can judge");
    expect(error?.message).toContain('ALLOW FUNCTION guardrail (functions: ["ext.table_dump"])');
  });

  it("[functions] an ALLOW FUNCTION guardrail lets exactly the function it names through", async () => {
    const shop = await harness.prisma.connection.findUniqueOrThrow({
      where: { name: harness.connectionName },
    });
    const rule = await harness.prisma.guardrailRule.create({
      data: {
        connectionId: shop.id,
        name: "allow-ts-stat",
        kind: "FUNCTION",
        effect: "ALLOW",
        match: { functions: ["ts_stat"] },
      },
    });
    await bumpPolicyVersion(harness.prisma);
    await harness.gateway.policies.reload();
    try {
      const allowed = await attempt(
        harness.url,
        [],
        "SELECT count(*)::int AS n FROM ts_stat('SELECT to_tsvector(''a b'')')",
      );
      expect(allowed.error).toBeNull();
      const other = await attempt(harness.url, [], "SELECT database_to_xml(true, false, '')");
      expect(other.error?.message ?? "").toContain('Sluice default "sluice:hidden-sql"');
    } finally {
      await harness.prisma.guardrailRule.delete({ where: { id: rule.id } });
      await bumpPolicyVersion(harness.prisma);
      await harness.gateway.policies.reload();
    }
  });

  it("[functions] ordinary built-ins, aggregates and operators still work, and masking still applies", async () => {
    const { error, bytes } = await attempt(
      harness.url,
      [],
      // public.lower(text) exists in this database: the built-in is written pg_catalog.lower.
      "SELECT pg_catalog.lower(first_name), upper(ssn), count(*) OVER (), id + 1, first_name || '!' FROM customers WHERE id BETWEEN 1 AND 5",
    );
    expect(error).toBeNull();
    expect(bytes).toContain(people[0]?.firstName.toLowerCase());
    expect(leaked(bytes)).toEqual([]);
  });
});
