import { fakePerson } from "@sluice/db/demo/fake-people";
import { createRandom } from "@sluice/db/demo/random";
import { bumpPolicyVersion } from "@sluice/db/policy-version";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/gateway-harness";

/**
 * Lineage by catalog identity (issue 14, class 3): names that reach a masked or reviewed column
 * under another name — alias column lists, attribute notation (`c.f` is `f(c)`), whole rows of
 * tables, joins and subqueries — through the real gateway, checked against the upstream's values.
 */
let harness: Harness;
const STRICT = "shop_strict_lineage";
const people = Array.from({ length: 40 }, (_, i) => fakePerson(createRandom(1414), i + 1));
/** Salaries no other value in the tables could spell by chance. */
const salaries = people.map((_, i) => `${918_273 + i * 7}.45`);
const SENSITIVE = [...people.flatMap((p) => [p.ssn, p.email, p.cardNumber]), ...salaries];

beforeAll(async () => {
  harness = await startHarness();
  const direct = new pg.Client({ connectionString: harness.directUrl });
  await direct.connect();
  // The demo's shapes: the alias lists below are positional over these attributes.
  await direct.query(`
    CREATE TABLE customers (id int PRIMARY KEY, first_name text, last_name text, email text, phone text,
      ssn text, card_number text, city text);
    CREATE TABLE orders (id int PRIMARY KEY, customer_id int, total_cents int);
    CREATE TABLE employees (id int PRIMARY KEY, first_name text, last_name text, email text, ssn text,
      department text, title text, salary numeric(10,2));
    CREATE TABLE notes (id int, body text);`);
  await direct.query(
    `INSERT INTO customers SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[],
       $6::text[], $7::text[], $8::text[])`,
    [
      people.map((_, i) => i + 1),
      people.map((p) => p.firstName),
      people.map((p) => p.lastName),
      people.map((p) => p.email),
      people.map((p) => p.phone),
      people.map((p) => p.ssn),
      people.map((p) => p.cardNumber),
      people.map((p) => p.city),
    ],
  );
  await direct.query("INSERT INTO orders SELECT i, i, i * 100 FROM generate_series(1, 40) i");
  await direct.query(
    `INSERT INTO employees SELECT i, 'F' || i, 'L' || i, 'e' || i || '@corp.test', 'x', 'Sales', 'Lead', s::numeric
       FROM unnest($1::text[]) WITH ORDINALITY AS t(s, i)`,
    [salaries],
  );
  await direct.end();

  const shop = await harness.prisma.connection.findUniqueOrThrow({ where: { name: harness.connectionName } });
  const strict = await harness.addTwinConnection(STRICT);
  await harness.prisma.connection.update({ where: { id: strict.id }, data: { isStrictMasking: true } });
  const finance = await harness.prisma.reviewerGroup.create({
    data: { name: "finance-leads", idpGroup: "finance-leads" },
  });
  for (const connection of [shop, strict]) {
    await harness.prisma.maskingRule.createMany({
      data: [
        {
          connectionId: connection.id,
          name: "email",
          columnSelector: "public.customers.email",
          strategy: "HASH",
        },
        {
          connectionId: connection.id,
          name: "ssn",
          columnSelector: "public.customers.ssn",
          strategy: "REDACT",
        },
        {
          connectionId: connection.id,
          name: "card",
          columnSelector: "public.customers.card_number",
          strategy: "PARTIAL",
          keepLast: 4,
        },
      ],
    });
    await harness.prisma.reviewRule.create({
      data: {
        connectionId: connection.id,
        name: "salary-reads",
        match: { columns: ["public.employees.salary"] },
        // Non-blocking: the refusal names the rule, so the classification is what is checked.
        isBlocking: false,
        groups: { create: [{ groupId: finance.id }] },
      },
    });
  }
  await bumpPolicyVersion(harness.prisma);
  await harness.gateway.policies.reload();
});
afterAll(() => harness?.stop());

type Outcome = { bytes: string; rule: string | null; rows: Record<string, unknown>[] };

/** Runs statements through the gateway; every byte the client got, and the Sluice rule that refused, if any. */
async function through(
  sql: string | string[],
  mode: "simple" | "extended" = "simple",
  database = harness.connectionName,
): Promise<Outcome> {
  const client = new pg.Client({
    connectionString: harness.urlFor(harness.agent.name, harness.token, database),
  });
  await client.connect();
  const chunks: Buffer[] = [];
  (client as unknown as { connection: { stream: NodeJS.ReadableStream } }).connection.stream.on(
    "data",
    (chunk: Buffer) => chunks.push(chunk),
  );
  let rule: string | null = null;
  let rows: Record<string, unknown>[] = [];
  try {
    for (const text of Array.isArray(sql) ? sql : [sql]) {
      const result = await client.query({
        text,
        ...(mode === "extended" ? { queryMode: "extended" } : {}),
      } as pg.QueryConfig);
      rows = result.rows;
    }
  } catch (error) {
    const message = (error as Error).message;
    rule = /"(sluice:[a-z-]+)"/.exec(message)?.[1] ?? /review rule "([^"]+)"/.exec(message)?.[1] ?? null;
    // A database error would make "nothing leaked" prove nothing: each case must run, or be refused.
    if (!rule) throw error;
  } finally {
    await client.end();
  }
  return { bytes: Buffer.concat(chunks).toString("latin1"), rule, rows };
}

const leaked = (bytes: string) => SENSITIVE.filter((value) => bytes.includes(value));

/** Reads that reach a masked column under another name: each returns rows, and none in clear. */
const LEAKS = [
  // The reproductions.
  "SELECT s || '' FROM customers AS c(id, fn, ln, e, ph, s, cn)",
  "SELECT c.to_jsonb FROM customers c",
  "SELECT to_jsonb(j) FROM (customers c JOIN orders o ON o.customer_id = c.id) AS j",
  // Alias column lists.
  "SELECT upper(s) FROM customers AS c(i, f, l, e, p, s)",
  "SELECT s FROM customers AS c(i, f, l, e, p, s)",
  "SELECT e || '!' FROM customers c(i, f, l, e)",
  "SELECT upper(b) FROM (SELECT first_name, ssn FROM customers) AS q(a, b)",
  "SELECT j.cn || '' FROM (customers c JOIN orders o ON o.customer_id = c.id) AS j(i, fn, ln, e, ph, s, cn)",
  "WITH w(a, b) AS (SELECT first_name, email FROM customers) SELECT b || '' FROM w",
  "SELECT a || '' FROM (SELECT first_name FROM customers UNION SELECT email FROM customers) AS u(a)",
  // Attribute notation: c.f is f(c) when f is not a column of c.
  "SELECT (c).to_json FROM customers c",
  "SELECT c.row_to_json FROM customers c",
  "SELECT customers.quote_literal FROM customers",
  "SELECT c.to_json FROM customers c",
  "SELECT public.customers.to_jsonb FROM public.customers",
  "WITH w AS (SELECT * FROM customers) SELECT w.to_jsonb FROM w",
  // Whole rows of tables, joins and subqueries.
  "SELECT row_to_json(j) FROM (customers JOIN orders ON orders.customer_id = customers.id) j",
  "SELECT j.to_jsonb FROM (customers c JOIN orders o ON o.customer_id = c.id) AS j",
  "SELECT to_jsonb(n) FROM (customers NATURAL JOIN (SELECT id FROM orders) o) n",
  "SELECT to_jsonb(q) FROM (SELECT * FROM customers) q",
  "SELECT quote_literal(c) FROM customers c",
  "SELECT format('%s', c) FROM customers c",
  "SELECT c::text FROM customers c",
  "SELECT jsonb_build_array(c.*) FROM customers c",
  "SELECT jsonb_each_text(to_jsonb(c)) FROM customers c",
  "SELECT (SELECT to_jsonb(c2) FROM customers c2 WHERE c2.id = c.id) FROM customers c",
  // Subqueries, CTEs, LATERAL, functions in FROM, set operations, USING.
  "SELECT q.x || '' FROM (SELECT ssn AS x FROM customers) q",
  "SELECT t.* FROM (SELECT ssn || '' AS s FROM customers) t",
  "SELECT x || '' FROM customers c, LATERAL (SELECT c.card_number AS x) l",
  "SELECT u || '' FROM customers c, unnest(ARRAY[c.ssn, c.email]) AS u",
  "SELECT r.ssn || '' FROM customers c, jsonb_to_record(to_jsonb(c)) AS r(ssn text)",
  "SELECT s.y FROM (VALUES (1)) v(x), LATERAL (SELECT ssn || '' AS y FROM customers) s",
  "SELECT ssn || '' FROM customers JOIN orders USING (id)",
  "SELECT first_name || '' FROM customers UNION ALL SELECT ssn FROM customers",
  "WITH RECURSIVE r(n, s) AS (SELECT 1, ssn FROM customers UNION ALL SELECT n + 1, s FROM r WHERE n < 2) SELECT s || '' FROM r",
  "SELECT string_agg(x, ',') FROM (SELECT c.email AS x FROM customers c) q",
];

describe("lineage: no masked value reaches the agent under another name", () => {
  for (const sql of LEAKS) {
    it(`${sql} (simple and extended)`, async () => {
      for (const mode of ["simple", "extended"] as const) {
        const outcome = await through(sql, mode);
        expect(leaked(outcome.bytes), mode).toEqual([]);
        if (!outcome.rule) expect(outcome.rows.length, mode).toBeGreaterThan(0);
      }
    });
  }

  it("still shows computed columns that really are clean, an alias list included", async () => {
    const { rows } = await through(
      "SELECT upper(last_name) AS u, upper(f) AS f2, e::text AS id_text, count(*) OVER () AS n FROM customers AS c(e, f) ORDER BY e LIMIT 1",
    );
    expect(rows[0]).toEqual({
      u: people[0]?.lastName.toUpperCase(),
      f2: people[0]?.firstName.toUpperCase(),
      id_text: "1",
      n: String(people.length),
    });
  });

  it("counts and reads a temp table the session created itself (issue 21)", async () => {
    const { rows } = await through([
      "CREATE TEMP TABLE t1 (x int)",
      "INSERT INTO t1 VALUES (7), (8)",
      "SELECT x, x * 2 AS twice, (SELECT count(*) FROM t1) AS n FROM t1 ORDER BY x",
    ]);
    expect(rows).toEqual([
      { x: 7, twice: 14, n: "2" },
      { x: 8, twice: 16, n: "2" },
    ]);
  });
});

describe("lineage: statements run later keep the scope they were declared with", () => {
  for (const steps of [
    ["PREPARE p AS SELECT c.to_jsonb FROM customers c", "EXECUTE p"],
    ["PREPARE p AS SELECT s || '' FROM customers AS c(i, f, l, e, p, s)", "EXECUTE p"],
    ["BEGIN", "DECLARE cur CURSOR FOR SELECT c.to_jsonb FROM customers c", "FETCH ALL FROM cur"],
    ["BEGIN", "DECLARE cur CURSOR FOR SELECT upper(ssn), email || '' FROM customers", "FETCH 10 FROM cur"],
    [
      "BEGIN",
      "DECLARE cur CURSOR WITH HOLD FOR SELECT to_jsonb(j) FROM (customers c JOIN orders o ON o.customer_id = c.id) AS j",
      "COMMIT",
      "FETCH ALL FROM cur",
    ],
  ]) {
    it(`${steps.join("; ")} shows no masked value`, async () => {
      const outcome = await through(steps);
      expect(outcome.rule).toBeNull();
      expect(outcome.rows.length).toBeGreaterThan(0);
      expect(leaked(outcome.bytes)).toEqual([]);
    });
  }

  it("still shows a cursor's clean computed columns when it read no masked table", async () => {
    const { rows } = await through([
      "BEGIN",
      "DECLARE cur CURSOR FOR SELECT total_cents * 2 AS twice FROM orders WHERE id = 1",
      "FETCH ALL FROM cur",
    ]);
    expect(rows).toEqual([{ twice: 200 }]);
  });
});

describe("lineage: the review rule follows salary under any name", () => {
  for (const sql of [
    "SELECT s FROM employees AS e(i, f, l, em, ss, d, t, s)",
    "SELECT e.to_jsonb FROM employees e",
    "SELECT to_jsonb(e) FROM employees e",
    "SELECT e FROM employees e",
    "SELECT x FROM (SELECT salary AS x FROM employees) q",
    "SELECT q.b FROM (SELECT first_name, salary FROM employees) q(a, b)",
    "WITH w(a) AS (SELECT salary FROM employees) SELECT a FROM w",
    "SELECT * FROM employees",
    "SELECT row_to_json(j) FROM (employees e JOIN orders o ON o.id = e.id) AS j",
    "SELECT s FROM employees e, LATERAL (SELECT e.salary AS s) l",
    "SELECT first_name FROM employees ORDER BY salary",
  ]) {
    it(`${sql} needs review`, async () => {
      const outcome = await through(sql);
      expect(outcome.rule).toBe("salary-reads");
      expect(leaked(outcome.bytes)).toEqual([]);
    });
  }

  it("reads other employee columns with no review", async () => {
    const outcome = await through("SELECT upper(f) AS f FROM employees AS e(i, f) WHERE i = 1");
    expect(outcome).toMatchObject({ rule: null, rows: [{ f: "F1" }] });
  });
});

describe("lineage: the masked-copy guard follows masked columns under any name", () => {
  for (const sql of [
    "UPDATE customers c SET first_name = c.to_jsonb->>'ssn' WHERE id = 1",
    "UPDATE customers c SET first_name = to_jsonb(c)->>'email' WHERE id = 1",
    "UPDATE customers c SET first_name = c::text WHERE id = 1",
    "UPDATE customers SET first_name = customers.row_to_json::text WHERE id = 1",
    "UPDATE customers c SET first_name = (c).quote_literal WHERE id = 1",
    "INSERT INTO customers (id, first_name) SELECT 1000, c.to_jsonb::text FROM customers c WHERE id = 1",
  ]) {
    it(`${sql} is refused, and nothing is copied`, async () => {
      expect((await through(sql)).rule).toBe("sluice:unmaskable-channel");
      const direct = new pg.Client({ connectionString: harness.directUrl });
      await direct.connect();
      try {
        const { rows } = await direct.query("SELECT first_name FROM customers WHERE id = 1 OR id = 1000");
        expect(rows).toEqual([{ first_name: people[0]?.firstName }]);
      } finally {
        await direct.end();
      }
    });
  }

  it("still lets a write that reads no masked column run", async () => {
    const outcome = await through("UPDATE customers c SET city = upper(c.city) WHERE c.id = 2");
    expect(outcome.rule).toBeNull();
  });
});

describe("lineage: strict mode follows masked columns under any name", () => {
  for (const sql of [
    "SELECT id FROM customers AS c(i, f, l, e, p, s) WHERE s = '000-00-0000'",
    "SELECT id FROM customers c WHERE c.to_jsonb->>'ssn' LIKE '1%'",
    "SELECT id FROM (SELECT id, ssn AS x FROM customers) q ORDER BY x",
    "SELECT count(*) FROM customers c GROUP BY c.to_jsonb",
    "SELECT id FROM orders WHERE (SELECT ssn FROM customers LIMIT 1) = '000-00-0000'",
    "SELECT id, ssn FROM customers ORDER BY 2",
    "SELECT first_name AS ssn, count(*) FROM customers GROUP BY ssn, first_name",
    // Positions count inside grouping sets and lists (the server flattens them), and DISTINCT
    // tells duplicates as GROUP BY does.
    "SELECT id, ssn, count(*) FROM customers GROUP BY ROLLUP(2)",
    "SELECT count(*) FROM customers GROUP BY GROUPING SETS ((ssn), ())",
    "SELECT id, ssn, count(*) FROM customers GROUP BY CUBE((1, 2))",
    "SELECT id, ssn, count(*) FROM customers GROUP BY (1, 2)",
    "SELECT DISTINCT ON (2) id, ssn FROM customers",
    "SELECT DISTINCT ON (ssn) id FROM customers",
    "SELECT DISTINCT ssn FROM customers",
  ]) {
    it(`${sql} is refused as an oracle`, async () => {
      expect((await through(sql, "simple", STRICT)).rule).toBe("sluice:strict-masking");
    });
  }

  it("groups and picks distinct rows by columns that are not masked", async () => {
    for (const sql of [
      "SELECT first_name, count(*) FROM customers GROUP BY ROLLUP(1)",
      "SELECT DISTINCT ON (1) first_name FROM customers",
      "SELECT DISTINCT first_name FROM customers",
    ]) {
      expect((await through(sql, "simple", STRICT)).rule, sql).toBeNull();
    }
  });

  it("filters on renamed columns that are not masked", async () => {
    const outcome = await through("SELECT f FROM customers AS c(i, f) WHERE i = 3", "simple", STRICT);
    expect(outcome).toMatchObject({ rule: null, rows: [{ f: people[2]?.firstName }] });
  });
});
