import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/gateway-harness";
import { leakedValues as leaked, MASKED_PEOPLE as people, seedMaskedShop } from "./support/masked-shop";
import { receivedBytes } from "./support/received-bytes";
import { run } from "./support/run";

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
  const auditors = await harness.prisma.agentGroup.create({ data: { name: "clear-readers" } });
  await seedMaskedShop(harness, { ssnExemptGroupId: auditors.id });
});
afterAll(() => harness?.stop());

const PHRASINGS = [
  "SELECT * FROM customers",
  "SELECT ssn, email, card_number FROM customers",
  "SELECT c.ssn AS x, c.email AS y FROM customers c",
  "SELECT upper(ssn), lower(email), card_number || '' FROM customers",
  "SELECT (SELECT ssn FROM customers ORDER BY id LIMIT 1)",
  "WITH x AS (SELECT ssn, email FROM customers) SELECT * FROM x",
  "SELECT ssn FROM customers UNION ALL SELECT 'x'",
  "SELECT row_to_json(c) FROM customers c",
  "SELECT c FROM customers c",
  "SELECT string_agg(ssn, ','), json_agg(email) FROM customers",
  "SELECT * FROM (SELECT ssn, card_number FROM customers) s",
  "SELECT ssn::int FROM customers",
  "SELECT 1/0 FROM customers WHERE ssn = '000'",
];

describe("masking: no clear sensitive value reaches the agent", () => {
  for (const sql of PHRASINGS) {
    it(`${sql} (text, binary, extended)`, async () => {
      const text = await receivedBytes(harness.url, (c) => c.query(sql));
      expect(leaked(text)).toEqual([]);
      const binary = await receivedBytes(harness.url, (c) =>
        c.query({ text: sql, binary: true } as pg.QueryConfig),
      );
      expect(leaked(binary)).toEqual([]);
      const extended = await receivedBytes(harness.url, (c) =>
        c.query({ text: sql, queryMode: "extended" } as pg.QueryConfig),
      );
      expect(leaked(extended)).toEqual([]);
    });
  }

  it("shows placeholders the agent can recognise, and clean columns in clear", async () => {
    const client = new pg.Client({ connectionString: harness.url });
    await client.connect();
    try {
      const { rows } = await client.query(
        "SELECT id, first_name, email, ssn, card_number FROM customers ORDER BY id LIMIT 2",
      );
      const first = people[0];
      expect(rows[0]).toMatchObject({ id: 1, first_name: first?.firstName, ssn: "[REDACTED]" });
      expect(rows[0].email).toMatch(/^h_[0-9a-f]{16}$/);
      expect(rows[0].card_number).toBe(`************${first?.cardNumber.slice(-4)}`);
      // Hashes are deterministic: the agent can still group and join on the column.
      const again = await client.query("SELECT email FROM customers WHERE id = 1");
      expect(again.rows[0].email).toBe(rows[0].email);
    } finally {
      await client.end();
    }
  });

  it("masks psql output too, and refuses COPY of masked tables as unmaskable", async () => {
    const psql = await run("psql", ["-X", "-c", "SELECT * FROM customers", harness.url]);
    expect(psql.stdout).toContain("[REDACTED]");
    expect(leaked(psql.stdout + psql.stderr)).toEqual([]);
    const copy = await run("psql", ["-X", "-c", "\\copy (SELECT ssn FROM customers) TO STDOUT", harness.url]);
    expect(copy.stderr).toContain('"sluice:unmaskable-channel"');
    expect(leaked(copy.stdout + copy.stderr)).toEqual([]);
  });

  it("shows an exempt group the values in clear, and only for its exempt rule", async () => {
    const exempt = await harness.addAgent("clear-reader", ["analysts", "clear-readers"]);
    const client = new pg.Client({ connectionString: harness.urlFor(exempt.agent.name, exempt.token) });
    await client.connect();
    try {
      const { rows } = await client.query("SELECT ssn, email FROM customers WHERE id = 1");
      expect(rows[0].ssn).toBe(people[0]?.ssn);
      expect(rows[0].email).toMatch(/^h_/);
    } finally {
      await client.end();
    }
  });
});

describe("masking: lineage keeps clean computed columns in clear", () => {
  it("leaves aggregates of no masked column readable, masks those that read one", async () => {
    const client = new pg.Client({ connectionString: harness.url });
    await client.connect();
    try {
      const simple = await client.query(
        "SELECT count(*) AS n, max(first_name) AS top, count(ssn) AS oracle FROM customers",
      );
      expect(simple.rows[0]).toMatchObject({ n: String(people.length), oracle: null });
      expect(simple.rows[0].top).not.toBe("[REDACTED]");
      const extended = await client.query({
        text: "SELECT count(*) AS n, upper(ssn) AS u FROM customers WHERE id = $1 GROUP BY ssn",
        values: [1],
      });
      expect(extended.rows[0]).toMatchObject({ n: "1", u: "[REDACTED]" });
    } finally {
      await client.end();
    }
  });

  it("masks what comes through a view it cannot see through", async () => {
    const direct = new pg.Client({ connectionString: harness.directUrl });
    await direct.connect();
    await direct.query("CREATE VIEW people_v AS SELECT id, ssn AS tax_id FROM customers");
    await direct.end();
    const bytes = await receivedBytes(harness.url, (c) => c.query("SELECT tax_id FROM people_v"));
    expect(leaked(bytes)).toEqual([]);
  });
});

describe("masking: views cannot launder a masked column", () => {
  it("masks computed columns over a view of a masked table", async () => {
    const bytes = await receivedBytes(harness.url, (c) => c.query("SELECT upper(tax_id) FROM people_v"));
    expect(leaked(bytes)).toEqual([]);
  });
});

describe("masking: values cannot be moved where masking cannot follow", () => {
  for (const sql of [
    "CREATE TABLE copied AS SELECT ssn FROM customers",
    "INSERT INTO customers (id, first_name) SELECT id + 1000, ssn FROM customers",
    "UPDATE customers SET first_name = ssn WHERE id = 1",
    "SELECT pg_notify('leak', ssn) FROM customers",
    "SELECT set_config('application_name', ssn, false) FROM customers",
    "SELECT ssn INTO copied2 FROM customers",
  ]) {
    it(sql, async () => {
      const client = new pg.Client({ connectionString: harness.url });
      await client.connect();
      try {
        const error = await client.query(sql).catch((e: pg.DatabaseError) => e);
        expect(error).toMatchObject({
          code: "42501",
          message: expect.stringContaining('"sluice:unmaskable-channel"'),
        });
        const { rows } = await client.query("SELECT first_name FROM customers WHERE id = 1");
        expect(rows[0].first_name).toBe(people[0]?.firstName);
      } finally {
        await client.end();
      }
    });
  }

  it("still lets the agent write masked tables without reading masked values", async () => {
    const client = new pg.Client({ connectionString: harness.url });
    await client.connect();
    try {
      await client.query("BEGIN");
      await client.query("UPDATE customers SET first_name = 'Renamed' WHERE id = 2");
      const { rows } = await client.query("SELECT first_name FROM customers WHERE id = 2");
      expect(rows[0].first_name).toBe("Renamed");
      await client.query("ROLLBACK");
    } finally {
      await client.end();
    }
  });
});
