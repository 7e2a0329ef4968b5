import { bumpPolicyVersion } from "@sluice/db/policy-version";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminQuery } from "../../../test/support";
import { type Harness, startHarness } from "./support/gateway-harness";
import { addSalaryReviewRule } from "./support/salary-review";

/**
 * Reads through a view while the gateway cannot read the upstream's catalog (issue 14, found by
 * seal9): without the catalog nothing tells a plain table from a view over `employees.salary`, and
 * PostgreSQL matched a review rule or a COLUMN guardrail on that column only against relations
 * named after its table, so `SELECT salary FROM pay` (a view over employees) ran unreviewed. Now
 * every relation counts as reading every column until the catalog is read again, and the verdict
 * says why; a masked column read through a view stays masked (an unknown relation is masked).
 *
 * The catalog read is cut for real, as in bypass-catalogless-review: `pg_attrdef` is made
 * unreadable to the connection's role, then readable again.
 */
let harness: Harness;
const REVIEWED = "shop_reviewed_view_catalogless";
const GUARDED = "shop_guarded_view_catalogless";
const SSN = "123-45-6789";

beforeAll(async () => {
  harness = await startHarness();
  const direct = new pg.Client({ connectionString: harness.directUrl });
  await direct.connect();
  await direct.query(`
    CREATE TABLE employees (id int PRIMARY KEY, name text, salary int);
    INSERT INTO employees VALUES (1, 'ann', 40000), (2, 'bob', 50000);
    CREATE VIEW pay AS SELECT id, salary FROM employees;
    CREATE TABLE payslips (id int, amount int);
    INSERT INTO payslips VALUES (7, 1234);
    CREATE TABLE patients (id int PRIMARY KEY, ssn text);
    INSERT INTO patients VALUES (1, '${SSN}');
    CREATE VIEW patient_ids AS SELECT id, ssn FROM patients;`);
  await direct.end();
  const shop = await harness.prisma.connection.findUniqueOrThrow({ where: { name: harness.connectionName } });
  await harness.prisma.maskingRule.create({
    data: { connectionId: shop.id, name: "ssn", columnSelector: "public.patients.ssn", strategy: "REDACT" },
  });
  const reviewed = await harness.addTwinConnection(REVIEWED);
  await addSalaryReviewRule(harness, reviewed.id);
  const guarded = await harness.addTwinConnection(GUARDED);
  await harness.prisma.guardrailRule.create({
    data: {
      connectionId: guarded.id,
      name: "no-salary",
      kind: "COLUMN",
      match: { columns: ["public.employees.salary"] },
    },
  });
  await bumpPolicyVersion(harness.prisma);
  await harness.gateway.policies.reload();
  await adminQuery(harness.upstreamAdminUrl, "REVOKE SELECT ON pg_catalog.pg_attrdef FROM PUBLIC");
});
afterAll(() => harness?.stop());

/** Every byte the client got for `sql` through `database`, and the refusal's text when refused. */
async function through(database: string, sql: string): Promise<{ bytes: string; refusal: string | null }> {
  const client = new pg.Client({
    connectionString: harness.urlFor(harness.agent.name, harness.token, database),
  });
  // A session the gateway closes reports it as an error event too: the refusal below says it.
  client.on("error", () => {});
  const chunks: Buffer[] = [];
  (client as unknown as { connection: { stream: NodeJS.ReadableStream } }).connection.stream.on(
    "data",
    (chunk: Buffer) => chunks.push(chunk),
  );
  let refusal: string | null = null;
  try {
    await client.connect();
    await client.query(sql);
  } catch (error) {
    refusal = (error as Error).message;
  } finally {
    await client.end();
  }
  return { bytes: Buffer.concat(chunks).toString("latin1"), refusal };
}

const UNREAD = "may be a view reading any column: the upstream's catalog could not be read";

describe("bypass corpus: reads through a view while the catalog cannot be read", () => {
  it("the cut is real, and the server hands salaries and SSNs over through the views", async () => {
    const direct = new pg.Client({ connectionString: harness.directUrl });
    await direct.connect();
    try {
      await expect(direct.query("SELECT count(*) FROM pg_catalog.pg_attrdef")).rejects.toThrow(
        /permission denied/,
      );
      expect((await direct.query("SELECT salary FROM pay ORDER BY id")).rows).toEqual([
        { salary: 40000 },
        { salary: 50000 },
      ]);
      expect((await direct.query("SELECT ssn FROM patient_ids")).rows).toEqual([{ ssn: SSN }]);
    } finally {
      await direct.end();
    }
  });

  it.each([["SELECT salary FROM pay"], ["SELECT * FROM public.pay"], ["SELECT amount FROM payslips"]])(
    "holds %s under the review rule, unrun, saying why",
    async (sql) => {
      const outcome = await through(REVIEWED, sql);
      // The client is told of the review only; the verdict's why is the policy tests' (catalogless-review).
      expect(outcome.refusal).toMatch(/review rule "salary-reads"/);
      expect(outcome.bytes).not.toContain("40000");
      expect(outcome.bytes).not.toContain("1234");
    },
  );

  it.each([["SELECT salary FROM pay"], ["SELECT amount FROM payslips"]])(
    "refuses %s under the COLUMN guardrail, saying why",
    async (sql) => {
      const outcome = await through(GUARDED, sql);
      expect(outcome.refusal).toMatch(/guardrail "no-salary"/);
      expect(outcome.refusal).toContain(UNREAD);
      expect(outcome.bytes).not.toContain("40000");
    },
  );

  // A masked connection cannot tell which result columns hold masked values without its catalog:
  // its session does not start, and says why (before, the login ended in an internal error).
  it("starts no session on a masked connection, so no SSN gets out, and says why", async () => {
    for (const sql of ["SELECT ssn FROM patient_ids", "SELECT * FROM patients"]) {
      const outcome = await through(harness.connectionName, sql);
      expect(outcome.bytes, sql).not.toContain(SSN);
      expect(outcome.refusal, sql).toMatch(
        /connection "shop" masks columns, and the gateway could not read the upstream's catalog/,
      );
      expect(outcome.bytes, sql).toContain("57P03");
    }
  });

  it("judges the same reads normally once the catalog can be read again", async () => {
    await adminQuery(harness.upstreamAdminUrl, "GRANT SELECT ON pg_catalog.pg_attrdef TO PUBLIC");
    const other = await through(REVIEWED, "SELECT amount FROM payslips");
    expect(other.refusal).toBeNull();
    expect(other.bytes).toContain("1234");
    expect((await through(GUARDED, "SELECT amount FROM payslips")).refusal).toBeNull();
    // The view is followed through the catalog now: still held and refused, for what it reads.
    const held = await through(REVIEWED, "SELECT salary FROM pay");
    expect(held.refusal).toMatch(/review rule "salary-reads"/);
    expect(held.refusal).not.toContain(UNREAD);
    const refused = await through(GUARDED, "SELECT salary FROM pay");
    expect(refused.refusal).toMatch(/guardrail "no-salary"/);
    expect(refused.refusal).not.toContain(UNREAD);
    expect((await through(harness.connectionName, "SELECT ssn FROM patient_ids")).bytes).not.toContain(SSN);
  });
});
