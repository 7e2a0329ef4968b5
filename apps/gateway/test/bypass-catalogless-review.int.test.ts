import { bumpPolicyVersion } from "@sluice/db/policy-version";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminQuery } from "../../../test/support";
import { type Harness, startHarness } from "./support/gateway-harness";
import { addSalaryReviewRule } from "./support/salary-review";

/**
 * A review rule on a column when the gateway cannot read the upstream's catalog (issue 14, found by
 * reviewgen): without the catalog nobody can tell which columns are computed from the reviewed
 * one, so every column of its table may be. Before 0d4e3f5 a Postgres session took generated
 * columns as none and let `salary_x2 GENERATED ALWAYS AS (salary * 2)` through unreviewed.
 *
 * The catalog read is cut for real: the upstream's own `pg_attrdef` (generated columns' expressions)
 * is made unreadable to the connection's role, so the gateway's catalog read fails as it would
 * against a server whose administrator restricted the system catalogs.
 */
let harness: Harness;
const REVIEWED = "shop_reviewed_catalogless";

beforeAll(async () => {
  harness = await startHarness();
  const direct = new pg.Client({ connectionString: harness.directUrl });
  await direct.connect();
  await direct.query(`
    CREATE TABLE employees (id int PRIMARY KEY, name text, salary int,
      salary_x2 int GENERATED ALWAYS AS (salary * 2) STORED);
    CREATE TABLE payslips (id int, amount int);
    INSERT INTO employees (id, name, salary) VALUES (1, 'ann', 40000), (2, 'bob', 50000);
    INSERT INTO payslips VALUES (7, 1234);`);
  await direct.end();
  await adminQuery(harness.upstreamAdminUrl, "REVOKE SELECT ON pg_catalog.pg_attrdef FROM PUBLIC");
  const reviewed = await harness.addTwinConnection(REVIEWED);
  await addSalaryReviewRule(harness, reviewed.id);
  await bumpPolicyVersion(harness.prisma);
  await harness.gateway.policies.reload();
});
afterAll(() => harness?.stop());

/** Every byte the client got for `sql` through the reviewed connection, or the rule that held it. */
async function through(sql: string): Promise<{ bytes: string; rule: string | null }> {
  const client = new pg.Client({
    connectionString: harness.urlFor(harness.agent.name, harness.token, REVIEWED),
  });
  await client.connect();
  const chunks: Buffer[] = [];
  (client as unknown as { connection: { stream: NodeJS.ReadableStream } }).connection.stream.on(
    "data",
    (chunk: Buffer) => chunks.push(chunk),
  );
  let rule: string | null = null;
  try {
    await client.query(sql);
  } catch (error) {
    rule = /review rule "([^"]+)"/.exec((error as Error).message)?.[1] ?? null;
    if (!rule) throw error;
  } finally {
    await client.end();
  }
  return { bytes: Buffer.concat(chunks).toString("latin1"), rule };
}

describe("bypass corpus: a review rule on a column while the catalog cannot be read", () => {
  it("the cut is real: the role cannot read generated columns' expressions, but reads the table", async () => {
    const direct = new pg.Client({ connectionString: harness.directUrl });
    await direct.connect();
    try {
      await expect(direct.query("SELECT count(*) FROM pg_catalog.pg_attrdef")).rejects.toThrow(
        /permission denied/,
      );
      // The oracle: the server hands salary_x2 over directly (80000 is 2 × 40000).
      const { rows } = await direct.query("SELECT salary_x2 FROM employees ORDER BY id");
      expect(rows.map((row) => row.salary_x2)).toEqual([80000, 100000]);
    } finally {
      await direct.end();
    }
  });

  it("holds SELECT salary_x2 FROM employees for review, unrun", async () => {
    const outcome = await through("SELECT salary_x2 FROM employees");
    expect(outcome.rule).toBe("salary-reads");
    expect(outcome.bytes).not.toContain("80000");
    const pending = await harness.prisma.review.findMany({
      where: { statement: "SELECT salary_x2 FROM employees", status: "PENDING" },
    });
    expect(pending).toHaveLength(1);
  });

  it("holds a read of another relation too: without the catalog it may be a view over employees", async () => {
    const outcome = await through("SELECT amount FROM payslips");
    expect(outcome.rule).toBe("salary-reads");
    expect(outcome.bytes).not.toContain("1234");
  });

  it("runs the read of another table once the catalog can be read again", async () => {
    await adminQuery(harness.upstreamAdminUrl, "GRANT SELECT ON pg_catalog.pg_attrdef TO PUBLIC");
    const outcome = await through("SELECT amount FROM payslips");
    expect(outcome.rule).toBeNull();
    expect(outcome.bytes).toContain("1234");
    expect((await through("SELECT salary_x2 FROM employees")).rule).toBe("salary-reads");
  });
});
