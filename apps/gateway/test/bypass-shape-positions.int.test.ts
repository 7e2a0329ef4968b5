import { bumpPolicyVersion } from "@sluice/db/policy-version";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/gateway-harness";

/**
 * A statement of a shape seen before is handed that shape's cached facts, and with them the parse
 * tree column lineage is read from. The normalizer replaces a position in DISTINCT ON, ROLLUP,
 * CUBE, GROUPING SETS and a GROUP BY row like any constant: so after `… DISTINCT ON (1) id, ssn`
 * was allowed, `… DISTINCT ON (2) id, ssn` (an oracle on a masked column) must still be refused.
 */
let harness: Harness;
const STRICT = "shop_strict_positions";

beforeAll(async () => {
  harness = await startHarness();
  const direct = new pg.Client({ connectionString: harness.directUrl });
  await direct.connect();
  await direct.query(`
    CREATE TABLE customers (id int PRIMARY KEY, first_name text, ssn text);
    INSERT INTO customers VALUES (1, 'Ada', '111-11-1111'), (2, 'Bob', '111-11-1111');`);
  await direct.end();
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
  await bumpPolicyVersion(harness.prisma);
  await harness.gateway.policies.reload();
});
afterAll(() => harness?.stop());

/** The Sluice rule that refused `sql`, or null when Sluice let it through (the server may still fail it). */
async function refusal(sql: string, values?: unknown[]): Promise<string | null> {
  const client = new pg.Client({
    connectionString: harness.urlFor(harness.agent.name, harness.token, STRICT),
  });
  await client.connect();
  try {
    // With values, pg sends Parse/Bind/Execute: the extended protocol's path to the same cache.
    await (values ? client.query(sql, values) : client.query(sql));
    return null;
  } catch (error) {
    return /"(sluice:[a-z-]+)"/.exec((error as Error).message)?.[1] ?? null;
  } finally {
    await client.end();
  }
}

describe("a position the lineage reads, in a shape seen before", () => {
  for (const [allowed, oracle] of [
    ["SELECT DISTINCT ON (1) id, ssn FROM customers", "SELECT DISTINCT ON (2) id, ssn FROM customers"],
    // Position 2 is count(*): allowed, then refused by the server; only its facts matter.
    [
      "SELECT ssn, count(*) FROM customers GROUP BY ROLLUP(2)",
      "SELECT ssn, count(*) FROM customers GROUP BY ROLLUP(1)",
    ],
    [
      "SELECT ssn, count(*) FROM customers GROUP BY CUBE(2)",
      "SELECT ssn, count(*) FROM customers GROUP BY CUBE(1)",
    ],
    [
      "SELECT ssn, count(*) FROM customers GROUP BY GROUPING SETS ((2))",
      "SELECT ssn, count(*) FROM customers GROUP BY GROUPING SETS ((1))",
    ],
    ["SELECT id, ssn FROM customers GROUP BY (1, 1)", "SELECT id, ssn FROM customers GROUP BY (1, 2)"],
    // The same positions one level down: a derived table and a CTE.
    [
      "SELECT * FROM (SELECT DISTINCT ON (1) id, ssn FROM customers) AS d",
      "SELECT * FROM (SELECT DISTINCT ON (2) id, ssn FROM customers) AS d",
    ],
    [
      "WITH g AS (SELECT ssn, count(*) FROM customers GROUP BY ROLLUP(2)) SELECT * FROM g",
      "WITH g AS (SELECT ssn, count(*) FROM customers GROUP BY ROLLUP(1)) SELECT * FROM g",
    ],
  ] as const) {
    it(`refuses ${oracle} after ${allowed} ran`, async () => {
      // Alone (a shape of its own: one more space), it is refused as an oracle.
      expect(await refusal(oracle.replace(" FROM", "  FROM"))).toBe("sluice:strict-masking");
      expect(await refusal(allowed)).toBeNull();
      expect(await refusal(oracle)).toBe("sluice:strict-masking");
    });
  }
});

describe("the same positions through the extended protocol", () => {
  it("refuses DISTINCT ON (2) parsed after DISTINCT ON (1), each bound with a parameter", async () => {
    const allowed = "SELECT DISTINCT ON (1) id, ssn FROM customers WHERE id <> $1";
    const oracle = "SELECT DISTINCT ON (2) id, ssn FROM customers WHERE id <> $1";
    expect(await refusal(oracle.replace(" FROM", "  FROM"), [0])).toBe("sluice:strict-masking");
    expect(await refusal(allowed, [0])).toBeNull();
    expect(await refusal(oracle, [0])).toBe("sluice:strict-masking");
  });
});
