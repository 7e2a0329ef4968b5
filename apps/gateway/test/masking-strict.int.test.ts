import { bumpPolicyVersion } from "@sluice/db/policy-version";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/gateway-harness";
import { MASKED_PEOPLE as people, seedMaskedShop } from "./support/masked-shop";

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
  await seedMaskedShop(harness);
});
afterAll(() => harness?.stop());

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
