import { fakePerson } from "@sluice/db/demo/fake-people";
import { createRandom } from "@sluice/db/demo/random";
import { bumpPolicyVersion } from "@sluice/db/policy-version";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/gateway-harness";
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
const SSN_QUERY = "SELECT ssn, email, card_number FROM customers";

beforeAll(async () => {
  harness = await startHarness();
  const direct = new pg.Client({ connectionString: harness.directUrl });
  await direct.connect();
  await direct.query(
    "CREATE TABLE customers (id int PRIMARY KEY, first_name text, email text, ssn text, card_number text)",
  );
  await direct.query(
    "INSERT INTO customers SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[])",
    [
      people.map((_, i) => i + 1),
      people.map((p) => p.firstName),
      people.map((p) => p.email),
      people.map((p) => p.ssn),
      people.map((p) => p.cardNumber),
    ],
  );
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

type Case = {
  name: string;
  sql: string | pg.QueryConfig;
  rule: string;
  setup?: readonly string[];
  /** Run straight against the upstream, it returns sensitive values: the case is a real leak. */
  isExfiltration?: boolean;
  isReadOnly?: boolean;
};

const xml = (query: string) => `'${query.replaceAll("'", "''")}', true, false, ''`;
const CURSOR = ["BEGIN", `DECLARE c CURSOR FOR ${SSN_QUERY}`];
const PATH_CATALOG_LAST = ["SET search_path = public, pg_catalog"];
/** ts_stat's argument: a query whose words are every customer's email address. */
const EMAIL_WORDS = "'SELECT to_tsvector(''simple'', email) FROM customers'";

const CASES: Case[] = [
  // The three reproductions of issue 14.
  {
    name: "ts_stat",
    sql: `SELECT * FROM ts_stat(${EMAIL_WORDS})`,
    rule: "sluice:hidden-sql",
    isExfiltration: true,
  },
  {
    name: "cursor_to_xml",
    setup: CURSOR,
    sql: "SELECT cursor_to_xml('c', 1000, false, false, '')",
    rule: "sluice:hidden-sql",
    isExfiltration: true,
  },
  {
    name: "schema_to_xml_and_xmlschema",
    sql: "SELECT schema_to_xml_and_xmlschema('public', true, false, '')",
    rule: "sluice:hidden-sql",
    isExfiltration: true,
  },
  // Qualified, unqualified, case and quoting.
  {
    name: "ts_stat in the select list",
    sql: `SELECT ts_stat(${EMAIL_WORDS})`,
    rule: "sluice:hidden-sql",
    isExfiltration: true,
  },
  {
    name: "pg_catalog.ts_stat, upper case",
    sql: `SELECT word FROM PG_CATALOG.TS_STAT(${EMAIL_WORDS})`,
    rule: "sluice:hidden-sql",
    isExfiltration: true,
  },
  {
    name: "quoted exact name",
    sql: `SELECT "pg_catalog"."query_to_xml"(${xml(SSN_QUERY)})`,
    rule: "sluice:hidden-sql",
    isExfiltration: true,
  },
  {
    name: "unicode-escaped name",
    sql: `SELECT U&"query\\005fto\\005fxml"(${xml(SSN_QUERY)})`,
    rule: "sluice:hidden-sql",
    isExfiltration: true,
  },
  {
    name: "mixed-case quoted user function",
    sql: `SELECT "Query_to_xml"('${SSN_QUERY}')`,
    rule: "sluice:unknown-function",
    isExfiltration: true,
  },
  {
    name: "cursor_to_xmlschema",
    setup: CURSOR,
    sql: "SELECT cursor_to_xmlschema('c', false, false, '')",
    rule: "sluice:hidden-sql",
  },
  // Everywhere an expression can stand.
  {
    name: "in FROM",
    sql: `SELECT * FROM query_to_xml(${xml(SSN_QUERY)}) AS t(x)`,
    rule: "sluice:hidden-sql",
    isExfiltration: true,
  },
  {
    name: "in a CTE",
    sql: `WITH x AS (SELECT query_to_xml(${xml(SSN_QUERY)}) AS v) SELECT v FROM x`,
    rule: "sluice:hidden-sql",
    isExfiltration: true,
  },
  {
    name: "in a scalar subquery",
    sql: "SELECT (SELECT table_to_xml('customers', true, false, ''))",
    rule: "sluice:hidden-sql",
    isExfiltration: true,
  },
  {
    name: "in a VALUES list",
    sql: "VALUES (table_to_xml('public.customers', true, false, ''))",
    rule: "sluice:hidden-sql",
    isExfiltration: true,
  },
  {
    name: "in a WHERE clause",
    sql: `SELECT 1 FROM notes WHERE query_to_xml(${xml(SSN_QUERY)}) IS NULL`,
    rule: "sluice:hidden-sql",
  },
  {
    name: "in RETURNING",
    sql: `INSERT INTO notes VALUES ('x') RETURNING query_to_xml(${xml(SSN_QUERY)})`,
    rule: "sluice:hidden-sql",
    isExfiltration: true,
  },
  {
    name: "in a LATERAL ROWS FROM",
    sql: `SELECT * FROM notes, LATERAL ROWS FROM (query_to_xml(${xml(SSN_QUERY)})) r`,
    rule: "sluice:hidden-sql",
  },
  {
    name: "in a column DEFAULT",
    sql: `CREATE TABLE dump (x xml DEFAULT query_to_xml(${xml(SSN_QUERY)}))`,
    rule: "sluice:hidden-sql",
  },
  {
    name: "in a view",
    sql: "CREATE VIEW dump AS SELECT database_to_xml(true, false, '')",
    rule: "sluice:hidden-sql",
  },
  {
    name: "inside COPY",
    sql: `COPY (SELECT query_to_xml(${xml(SSN_QUERY)})) TO STDOUT`,
    rule: "sluice:hidden-sql",
  },
  {
    name: "inside EXPLAIN ANALYZE",
    sql: `EXPLAIN ANALYZE SELECT query_to_xml(${xml(SSN_QUERY)})`,
    rule: "sluice:hidden-sql",
  },
  {
    name: "via PREPARE",
    sql: "PREPARE dump(text) AS SELECT query_to_xml($1, true, false, '')",
    rule: "sluice:hidden-sql",
  },
  {
    name: "behind an allowed first statement",
    sql: `SELECT 1; SELECT query_to_xml(${xml(SSN_QUERY)})`,
    rule: "sluice:hidden-sql",
  },
  {
    name: "extended protocol, query as a parameter",
    sql: { text: "SELECT query_to_xml($1, true, false, '')", values: [SSN_QUERY] },
    rule: "sluice:hidden-sql",
    isExfiltration: true,
  },
  // The rest of the family, and the query-text variant of ts_rewrite.
  {
    name: "database_to_xml",
    sql: "SELECT database_to_xml(true, false, '')",
    rule: "sluice:hidden-sql",
    isExfiltration: true,
  },
  {
    name: "table_to_xml_and_xmlschema",
    sql: "SELECT table_to_xml_and_xmlschema('customers', true, false, '')",
    rule: "sluice:hidden-sql",
    isExfiltration: true,
  },
  {
    name: "schema_to_xml",
    sql: "SELECT schema_to_xml('public', true, false, '')",
    rule: "sluice:hidden-sql",
    isExfiltration: true,
  },
  {
    name: "ts_rewrite with a query",
    sql: "SELECT ts_rewrite('x'::tsquery, 'SELECT ''x''::tsquery, plainto_tsquery(''simple'', email) FROM customers WHERE id = 1')",
    rule: "sluice:hidden-sql",
    isExfiltration: true,
  },
  // Functions that are not built-ins: user-defined, an extension's schema, a procedure, a shadow.
  {
    name: "user-defined, qualified",
    sql: "SELECT public.dump_customers()",
    rule: "sluice:unknown-function",
    isExfiltration: true,
  },
  {
    name: "user-defined, unqualified",
    sql: "SELECT dump_customers()",
    rule: "sluice:unknown-function",
    isExfiltration: true,
  },
  {
    name: "extension-like schema",
    sql: "SELECT ext.table_dump('customers')",
    rule: "sluice:unknown-function",
    isExfiltration: true,
  },
  { name: "a procedure by CALL", sql: "CALL public.copy_customers()", rule: "sluice:unknown-function" },
  {
    name: "a user function shadowing lower() once pg_catalog comes later",
    setup: PATH_CATALOG_LAST,
    sql: "SELECT lower('x')",
    rule: "sluice:unknown-function",
    isExfiltration: true,
  },
  {
    name: "a computed path in the same message, then the shadowed lower()",
    // Qualified, so the first statement itself is placed; only the second is in question.
    sql: "SELECT pg_catalog.set_config('search_path', pg_catalog.concat('public,', 'pg_catalog'), false); SELECT lower('x')",
    rule: "sluice:unknown-function",
    isExfiltration: true,
  },
  // Operators call functions too.
  {
    name: "a user operator, qualified",
    sql: "SELECT 'a' OPERATOR(public.===) 'b'",
    rule: "sluice:unknown-function",
    isExfiltration: true,
  },
  {
    name: "a user operator, unqualified",
    sql: "SELECT 'a' === 'b'",
    rule: "sluice:unknown-function",
    isExfiltration: true,
  },
  // Server files, large objects, server control, other sessions' query text.
  { name: "pg_ls_dir", sql: "SELECT pg_ls_dir('.')", rule: "sluice:server-files" },
  { name: "pg_stat_file", sql: "SELECT pg_stat_file('PG_VERSION')", rule: "sluice:server-files" },
  { name: "lo_from_bytea", sql: "SELECT lo_from_bytea(0, 'x')", rule: "sluice:server-files" },
  {
    name: "pg_terminate_backend",
    sql: "SELECT pg_terminate_backend(pg_backend_pid())",
    rule: "sluice:server-files",
  },
  {
    name: "pg_backend_activity",
    sql: "SELECT pg_stat_get_backend_activity(s) FROM pg_stat_get_backend_idset() s",
    rule: "sluice:catalog-values",
  },
  // A read-only connection cannot write through a function.
  {
    name: "nextval on a read-only connection",
    sql: "SELECT nextval('no_such_seq')",
    rule: "sluice:read-only",
    isReadOnly: true,
  },
  {
    name: "pg_notify on a read-only connection",
    sql: "SELECT pg_notify('c', 'x')",
    rule: "sluice:read-only",
    isReadOnly: true,
  },
];

describe("bypass corpus: functions that run queries the gateway never sees", () => {
  for (const testCase of CASES) {
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
