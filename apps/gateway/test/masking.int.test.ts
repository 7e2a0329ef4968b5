import { fakePerson } from "@sluice/db/demo/fake-people";
import { createRandom } from "@sluice/db/demo/random";
import { bumpPolicyVersion } from "@sluice/db/policy-version";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/gateway-harness";
import { connectRecording } from "./support/received-bytes";
import { run } from "./support/run";

let harness: Harness;
const people = Array.from({ length: 200 }, (_, i) => fakePerson(createRandom(99), i + 1));
const SENSITIVE = people.flatMap((p) => [p.ssn, p.email, p.cardNumber]);

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
  await direct.end();
  const shop = await harness.prisma.connection.findUniqueOrThrow({ where: { name: harness.connectionName } });
  const auditors = await harness.prisma.agentGroup.create({ data: { name: "clear-readers" } });
  await harness.prisma.maskingRule.create({
    data: {
      connectionId: shop.id,
      name: "email",
      columnSelector: "public.customers.email",
      strategy: "HASH",
    },
  });
  await harness.prisma.maskingRule.create({
    data: {
      connectionId: shop.id,
      name: "ssn",
      columnSelector: "public.customers.ssn",
      strategy: "REDACT",
      exemptions: { create: [{ groupId: auditors.id }] },
    },
  });
  await harness.prisma.maskingRule.create({
    data: {
      connectionId: shop.id,
      name: "card",
      columnSelector: "public.customers.card_number",
      strategy: "PARTIAL",
      keepLast: 4,
    },
  });
  await bumpPolicyVersion(harness.prisma);
  await harness.gateway.policies.reload();
});
afterAll(() => harness?.stop());

/** Every byte the client received, so a leak anywhere (rows, errors, notices) is caught. */
async function receivedBytes(url: string, run: (client: pg.Client) => Promise<unknown>): Promise<string> {
  const { client, received } = await connectRecording(url);
  try {
    await run(client).catch(() => {});
  } finally {
    await client.end();
  }
  return received().toString("latin1");
}

function leaked(bytes: string): string[] {
  return SENSITIVE.filter((value) => bytes.includes(value));
}

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

describe("masking: strict mode and placeholder write-back", () => {
  const STRICT = "shop_strict";
  beforeAll(async () => {
    const strict = await harness.addTwinConnection(STRICT);
    await harness.prisma.connection.update({ where: { id: strict.id }, data: { isStrictMasking: true } });
    await harness.prisma.maskingRule.create({
      data: {
        connectionId: strict.id,
        name: "ssn",
        columnSelector: "public.customers.ssn",
        strategy: "REDACT",
      },
    });
    await harness.prisma.maskingRule.create({
      data: {
        connectionId: strict.id,
        name: "email",
        columnSelector: "public.customers.email",
        strategy: "HASH",
      },
    });
    await bumpPolicyVersion(harness.prisma);
    await harness.gateway.policies.reload();
  });

  async function outcome(database: string, sql: string): Promise<string> {
    const client = new pg.Client({
      connectionString: harness.urlFor(harness.agent.name, harness.token, database),
    });
    await client.connect();
    try {
      await client.query(sql);
      return "allow";
    } catch (error) {
      return /"(sluice:[a-z-]+)"/.exec((error as Error).message)?.[1] ?? `error: ${(error as Error).message}`;
    } finally {
      await client.end();
    }
  }

  for (const sql of [
    `SELECT id FROM customers WHERE ssn = '${people[0]?.ssn}'`,
    "SELECT id FROM customers WHERE ssn LIKE '123%'",
    "SELECT id FROM customers ORDER BY email LIMIT 1",
    "SELECT count(*) FROM customers GROUP BY ssn",
    "SELECT a.id FROM customers a JOIN customers b ON a.ssn = b.ssn",
    "SELECT max(ssn) FROM customers",
    "SELECT id FROM customers c WHERE c.email = 'x@example.com'",
  ]) {
    it(`strict mode refuses a masked column as an oracle: ${sql}`, async () => {
      expect(await outcome(STRICT, sql)).toBe("sluice:strict-masking");
    });
  }

  it("strict mode still lets the agent read masked columns (masked) and filter on others", async () => {
    expect(await outcome(STRICT, "SELECT ssn, email FROM customers WHERE id = 1 ORDER BY first_name")).toBe(
      "allow",
    );
    // Without strict mode the same predicate runs (and the values come back masked).
    expect(await outcome(harness.connectionName, "SELECT id FROM customers ORDER BY email LIMIT 1")).toBe(
      "allow",
    );
  });

  for (const sql of [
    "UPDATE customers SET ssn = '[REDACTED]' WHERE id = 3",
    "INSERT INTO customers (id, email) VALUES (9001, 'h_0123456789abcdef')",
    "UPDATE customers SET card_number = '************4242' WHERE id = 4",
    "WITH x AS (UPDATE customers SET first_name = '[REDACTED]' WHERE id = 5 RETURNING 1) SELECT * FROM x",
  ]) {
    it(`refuses writing a masking placeholder back: ${sql}`, async () => {
      expect(await outcome(harness.connectionName, sql)).toBe("sluice:placeholder-write");
    });
  }

  it("refuses a placeholder bound as a parameter of a write (extended protocol), and the session goes on", async () => {
    const client = new pg.Client({
      connectionString: harness.urlFor(harness.agent.name, harness.token, harness.connectionName),
    });
    await client.connect();
    try {
      for (const [sql, values] of [
        ["UPDATE customers SET ssn = $1 WHERE id = $2", ["[REDACTED]", 3]],
        ["UPDATE customers SET email = $1 WHERE id = $2", ["h_0123456789abcdef", 3]],
        ["INSERT INTO customers (id, card_number) VALUES ($2, $1)", ["************4242", 9002]],
      ] as const) {
        const error = await client.query(sql, [...values]).then(
          () => null,
          (caught: Error) => caught,
        );
        expect(error?.message).toContain('"sluice:placeholder-write"');
        expect(error?.message).toContain(`parameter $1 is`);
      }
      // A prepared write runs with real values, and is refused again when a placeholder is bound.
      const named = { name: "set-first-name", text: "UPDATE customers SET first_name = $1 WHERE id = $2" };
      await client.query({ ...named, values: ["Ada", 3] });
      await expect(client.query({ ...named, values: ["[REDACTED]", 3] })).rejects.toThrow(
        /sluice:placeholder-write/,
      );
      expect((await client.query("SELECT first_name FROM customers WHERE id = 3")).rows).toEqual([
        { first_name: "Ada" },
      ]);
      // Reads may bind anything.
      expect((await client.query("SELECT $1::text AS shown", ["[REDACTED]"])).rows).toEqual([
        { shown: "[REDACTED]" },
      ]);
    } finally {
      await client.end();
    }
    const direct = new pg.Client({ connectionString: harness.directUrl });
    await direct.connect();
    try {
      const stored = await direct.query("SELECT ssn, email FROM customers WHERE id = 3 OR id = 9002");
      expect(stored.rows).toHaveLength(1);
      expect(JSON.stringify(stored.rows)).not.toMatch(/REDACTED|h_0123456789abcdef/);
    } finally {
      await direct.end();
    }
  });

  it("does not mistake a read of a placeholder-looking literal for a write", async () => {
    expect(await outcome(harness.connectionName, "SELECT '[REDACTED]' AS shown")).toBe("allow");
  });
});

describe("masking: content detectors for values whose origin is unknown", () => {
  const DETECT = "shop_detect";
  beforeAll(async () => {
    const connection = await harness.addTwinConnection(DETECT);
    await harness.prisma.maskingRule.createMany({
      data: [
        { connectionId: connection.id, name: "emails", detector: "email", strategy: "HASH" },
        { connectionId: connection.id, name: "ssns", detector: "us_ssn", strategy: "REDACT" },
        {
          connectionId: connection.id,
          name: "cards",
          detector: "payment_card",
          strategy: "PARTIAL",
          keepLast: 4,
        },
      ],
    });
    const client = new pg.Client({ connectionString: harness.directUrl });
    await client.connect();
    await client.query(`CREATE TABLE tickets (id int, body text, meta jsonb, order_no int);
      INSERT INTO tickets VALUES
        (1, 'Customer ${people[0]?.email} says her SSN ${people[0]?.ssn} leaked', '{"contact": "${people[1]?.email}", "card": "${people[1]?.cardNumber}"}', 123456789)`);
    await client.end();
    await bumpPolicyVersion(harness.prisma);
    await harness.gateway.policies.reload();
  });

  const detectUrl = () => harness.urlFor(harness.agent.name, harness.token, DETECT);

  it("masks detected values quoted in errors, and refuses COPY, whose output it cannot search", async () => {
    const bytes = await receivedBytes(detectUrl(), async (client) => {
      const failed = await client.query("SELECT body::int FROM tickets").catch((error: Error) => error);
      expect((failed as Error).message).toMatch(
        /invalid input syntax for type integer: "Customer h_[0-9a-f]{16} says her SSN \[REDACTED\] leaked"/,
      );
      const copy = await client
        .query("COPY (SELECT body FROM tickets) TO STDOUT")
        .catch((error: Error) => error);
      expect((copy as Error).message).toContain("sluice:unmaskable-channel");
    });
    expect(leaked(bytes)).toEqual([]);
  });

  for (const mode of ["text", "binary"] as const) {
    it(`masks detected values inside text, JSON and whole rows (${mode}), and leaves order numbers alone`, async () => {
      const bytes = await receivedBytes(detectUrl(), async (client) => {
        const binary = mode === "binary" ? { binary: true, queryMode: "extended" } : {};
        const plain = await client.query({
          text: "SELECT body, meta, order_no FROM tickets",
          ...binary,
        } as pg.QueryConfig);
        const row = plain.rows[0] as { body: string; meta: unknown; order_no: number };
        if (mode === "text") {
          expect(row.body).toMatch(/^Customer h_[0-9a-f]{16} says her SSN \[REDACTED\] leaked$/);
          expect(row.meta).toMatchObject({
            contact: expect.stringMatching(/^h_[0-9a-f]{16}$/),
            card: expect.stringMatching(/^\*+\d{4}$/),
          });
        }
        expect(row.order_no).toBe(123456789);
        await client.query({
          text: "SELECT row_to_json(t) AS j, t::text AS r, array_agg(body) OVER () AS a FROM tickets t",
          ...binary,
        } as pg.QueryConfig);
      });
      expect(leaked(bytes)).toEqual([]);
      if (mode === "text") expect(bytes).toContain("123456789");
    });
  }
});

describe("masking: notifications from other sessions", () => {
  async function notified(url: string, payload: string): Promise<string> {
    const listener = new pg.Client({ connectionString: url });
    await listener.connect();
    try {
      const received = new Promise<string>((resolve) =>
        listener.on("notification", (message) => resolve(message.payload ?? "")),
      );
      await listener.query("LISTEN news");
      const sender = new pg.Client({ connectionString: harness.directUrl });
      await sender.connect();
      await sender.query("SELECT pg_notify('news', $1)", [payload]);
      await sender.end();
      return await received;
    } finally {
      await listener.end();
    }
  }

  it("masks a payload whole under column rules, and what detectors find under content rules", async () => {
    const secret = `call ${people[2]?.email} about ${people[2]?.ssn}`;
    expect(await notified(harness.url, secret)).toBe("[REDACTED]");
    const detected = await notified(harness.urlFor(harness.agent.name, harness.token, "shop_detect"), secret);
    expect(detected).toMatch(/^call h_[0-9a-f]{16} about \[REDACTED\]$/);
  });
});
