import { bumpPolicyVersion } from "@sluice/db/policy-version";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/gateway-harness";
import { addSalaryReviewRule } from "./support/salary-review";

/**
 * Generated columns (issue 14, class 3): a column the server computes from a masked one is a copy
 * of it under another attribute. Through the real gateway, checked against the upstream's values.
 */
let harness: Harness;
const STRICT = "shop_strict_generated";
/** A twin with a review rule on employees.salary, and one with a COLUMN guardrail on it. */
const REVIEWED = "shop_reviewed_generated";
const GUARDED = "shop_guarded_generated";
const SSNS = ["123-45-6789", "987-65-4321", "555-12-3456"];
const DIGITS = SSNS.map((ssn) => ssn.replaceAll("-", ""));

beforeAll(async () => {
  harness = await startHarness();
  const direct = new pg.Client({ connectionString: harness.directUrl });
  await direct.connect();
  await direct.query(`
    CREATE TABLE patients (id int PRIMARY KEY, name text, ssn text,
      ssn_digits text GENERATED ALWAYS AS (replace(ssn, '-', '')) STORED,
      name_upper text GENERATED ALWAYS AS (upper(name)) STORED);
    CREATE TABLE notes (id int, body text);
    INSERT INTO patients (id, name, ssn) VALUES (1, 'ann', '${SSNS[0]}'), (2, 'bob', '${SSNS[1]}'), (3, 'cy', '${SSNS[2]}');
    CREATE TABLE employees (id int PRIMARY KEY, name text, salary int,
      salary_x2 int GENERATED ALWAYS AS (salary * 2) STORED,
      name_upper text GENERATED ALWAYS AS (upper(name)) STORED);
    CREATE TABLE payslips (id int, amount int);
    INSERT INTO employees (id, name, salary) VALUES (1, 'ann', 40000), (2, 'bob', 50000);`);
  // An owner's function could read any table: a column it computes is not proven clean.
  await direct.query(`
    CREATE FUNCTION shout(text) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT upper($1) || '!' $$;
    ALTER TABLE patients ADD COLUMN name_shout text GENERATED ALWAYS AS (shout(name)) STORED;
    ALTER TABLE employees ADD COLUMN name_shout text GENERATED ALWAYS AS (shout(name)) STORED;
    CREATE VIEW pay AS SELECT id, salary FROM employees;
    CREATE VIEW pay_of_pay AS SELECT * FROM pay;
    CREATE VIEW doubled AS SELECT id, salary_x2 FROM employees;
    CREATE VIEW shouted AS SELECT id, shout(name) AS s FROM employees;
    CREATE VIEW roster AS SELECT id, name FROM employees;`);
  // The oracle: the server really returns the clear digits.
  const { rows } = await direct.query("SELECT ssn_digits FROM patients ORDER BY id");
  expect(rows.map((row) => row.ssn_digits)).toEqual(DIGITS);
  await direct.end();
  const shop = await harness.prisma.connection.findUniqueOrThrow({ where: { name: harness.connectionName } });
  const strict = await harness.addTwinConnection(STRICT);
  await harness.prisma.connection.update({ where: { id: strict.id }, data: { isStrictMasking: true } });
  for (const connection of [shop, strict]) {
    await harness.prisma.maskingRule.create({
      data: {
        connectionId: connection.id,
        name: "ssn",
        columnSelector: "public.patients.ssn",
        strategy: "REDACT",
      },
    });
  }
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
});
afterAll(() => harness?.stop());

/** Every byte the client got for `sql` through the gateway, or the Sluice rule that refused it. */
async function through(
  sql: string[],
  database = harness.connectionName,
): Promise<{ bytes: string; rule: string | null }> {
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
  try {
    for (const text of sql) await client.query(text);
  } catch (error) {
    const message = (error as Error).message;
    rule =
      /"(sluice:[a-z-]+)"/.exec(message)?.[1] ??
      /review rule "([^"]+)"/.exec(message)?.[1] ??
      /guardrail "([^"]+)"/.exec(message)?.[1] ??
      null;
    if (!rule) throw error;
  } finally {
    await client.end();
  }
  return { bytes: Buffer.concat(chunks).toString("latin1"), rule };
}

const leaked = (bytes: string) => [...SSNS, ...DIGITS].filter((value) => bytes.includes(value));

describe("generated columns over a masked column", () => {
  for (const sql of [
    ["SELECT ssn_digits FROM patients"],
    ["SELECT p.ssn_digits FROM patients p"],
    ["SELECT * FROM patients"],
    ["SELECT to_jsonb(p) FROM patients p"],
    [
      "ALTER TABLE patients ADD COLUMN ssn_copy text GENERATED ALWAYS AS (ssn) STORED",
      "SELECT ssn_copy FROM patients",
    ],
    [
      "CREATE TEMP TABLE t AS SELECT 1",
      "ALTER TABLE patients ADD COLUMN k text GENERATED ALWAYS AS (lower(ssn)) STORED",
      "SELECT k FROM patients",
    ],
  ]) {
    it(`${sql.join("; ")} gives no clear SSN`, async () => {
      const outcome = await through(sql);
      expect(leaked(outcome.bytes)).toEqual([]);
    });
  }

  it("refuses copying a generated column over a masked one into an unmasked table", async () => {
    for (const sql of [
      "INSERT INTO notes SELECT id, ssn_digits FROM patients",
      "UPDATE notes SET body = (SELECT ssn_digits FROM patients LIMIT 1)",
      "INSERT INTO notes SELECT id, name_shout FROM patients",
    ]) {
      expect((await through([sql])).rule, sql).toBe("sluice:unmaskable-channel");
    }
    const direct = new pg.Client({ connectionString: harness.directUrl });
    await direct.connect();
    const { rows } = await direct.query("SELECT count(*)::int AS n FROM notes");
    await direct.end();
    expect(rows[0]?.n).toBe(0);
  });

  it("refuses, in strict mode, a generated column over a masked one where its value is inferred", async () => {
    for (const sql of [
      "SELECT id FROM patients WHERE ssn_digits = '123456789'",
      "SELECT id FROM patients ORDER BY ssn_digits",
      "SELECT id FROM patients WHERE name_shout LIKE 'A%'",
    ]) {
      expect((await through([sql], STRICT)).rule, sql).toBe("sluice:strict-masking");
    }
    expect((await through(["SELECT id FROM patients WHERE name_upper = 'ANN'"], STRICT)).rule).toBeNull();
  });

  it("masks a generated column computed by a user function, whatever it reads", async () => {
    const outcome = await through(["SELECT name_shout FROM patients ORDER BY id"]);
    expect(outcome.rule).toBeNull();
    expect(outcome.bytes).not.toContain("ANN!");
    expect(outcome.bytes).toContain("[REDACTED]");
  });

  it("still returns a generated column that reads nothing masked", async () => {
    const outcome = await through(["SELECT name_upper FROM patients ORDER BY id"]);
    expect(outcome.rule).toBeNull();
    expect(outcome.bytes).toContain("ANN");
  });
});

/**
 * Issue 16: review and COLUMN rules named the column only. A rule on employees.salary held
 * `SELECT salary` but let `salary_x2 GENERATED ALWAYS AS (salary * 2)` through, in reads, writes
 * and RETURNING. The oracle: the server hands salary_x2 over directly (80000 is 2 × 40000).
 */
describe("rules on a column follow it into the generated columns computed from it", () => {
  const REACHING = [
    "SELECT salary FROM employees",
    "SELECT salary_x2 FROM employees",
    "SELECT e.salary_x2 FROM employees e WHERE id = 1",
    "SELECT id FROM employees WHERE salary_x2 > 90000",
    "SELECT (SELECT max(salary_x2) FROM employees) AS top",
    "SELECT to_jsonb(e) FROM employees e",
    "SELECT name_shout FROM employees",
    "INSERT INTO payslips SELECT id, salary_x2 FROM employees",
    "UPDATE payslips SET amount = (SELECT salary_x2 FROM employees WHERE id = 1)",
    "UPDATE employees SET name = salary_x2::text WHERE id = 2",
    "UPDATE employees SET name = 'bo' WHERE id = 2 RETURNING salary_x2",
    "DELETE FROM payslips WHERE amount IN (SELECT salary_x2 FROM employees)",
    "WITH c AS (SELECT salary_x2 AS s FROM employees) SELECT s FROM c",
  ];

  it("the server gives salary_x2 directly (the oracle)", async () => {
    const direct = new pg.Client({ connectionString: harness.directUrl });
    await direct.connect();
    const { rows } = await direct.query("SELECT salary_x2 FROM employees ORDER BY id");
    await direct.end();
    expect(rows.map((row) => row.salary_x2)).toEqual([80000, 100000]);
  });

  for (const sql of REACHING) {
    it(`a review rule on salary holds: ${sql}`, async () => {
      const outcome = await through([sql], REVIEWED);
      expect(outcome.rule).toBe("salary-reads");
      expect(outcome.bytes).not.toContain("80000");
    });
    it(`a COLUMN guardrail on salary refuses: ${sql}`, async () => {
      expect((await through([sql], GUARDED)).rule).toBe("no-salary");
    });
  }

  it("neither rule touches columns computed from other columns", async () => {
    for (const database of [REVIEWED, GUARDED]) {
      const outcome = await through(["SELECT id, name, name_upper FROM employees ORDER BY id"], database);
      expect(outcome.rule, database).toBeNull();
      expect(outcome.bytes).toContain("ANN");
    }
  });

  it("nothing the rules refused reached the upstream", async () => {
    const direct = new pg.Client({ connectionString: harness.directUrl });
    await direct.connect();
    const { rows } = await direct.query(
      "SELECT (SELECT count(*)::int FROM payslips) AS n, name FROM employees WHERE id = 2",
    );
    await direct.end();
    expect(rows).toEqual([{ n: 0, name: "bob" }]);
  });
});

/**
 * Issue 16, views: the parser sees only the view's name, so a rule on employees.salary let
 * `SELECT salary FROM pay` through (pay is `SELECT id, salary FROM employees`). What each view's
 * query reads comes from the server's own record of it (pg_depend of its _RETURN rule).
 */
describe("rules on a column follow it through views that read it", () => {
  const THROUGH_VIEWS = [
    "SELECT salary FROM pay",
    "SELECT id FROM pay_of_pay",
    "SELECT salary_x2 FROM doubled",
    "SELECT s FROM shouted",
    "INSERT INTO payslips SELECT id, salary FROM pay",
  ];

  it("the server gives the salary through the view (the oracle)", async () => {
    const direct = new pg.Client({ connectionString: harness.directUrl });
    await direct.connect();
    const { rows } = await direct.query("SELECT salary FROM pay_of_pay ORDER BY id");
    await direct.end();
    expect(rows.map((row) => row.salary)).toEqual([40000, 50000]);
  });

  for (const sql of THROUGH_VIEWS) {
    it(`a review rule on salary holds: ${sql}`, async () => {
      const outcome = await through([sql], REVIEWED);
      expect(outcome.rule).toBe("salary-reads");
      expect(outcome.bytes).not.toContain("40000");
    });
    it(`a COLUMN guardrail on salary refuses: ${sql}`, async () => {
      expect((await through([sql], GUARDED)).rule).toBe("no-salary");
    });
  }

  it("a view that does not read the column is neither held nor refused", async () => {
    for (const database of [REVIEWED, GUARDED]) {
      const outcome = await through(["SELECT name FROM roster ORDER BY id"], database);
      expect(outcome.rule, database).toBeNull();
      expect(outcome.bytes).toContain("ann");
    }
  });
});

/**
 * A column the catalog read does not list was added since, by another connection (a DBA, a
 * migration): the gateway cannot know it is not a copy of a masked column, so it masks it until the
 * next read says what it is computed from. The oracle: the server returns the clear SSN.
 */
describe("a column another connection adds after the catalog was read", () => {
  it("is masked, in simple and extended queries", async () => {
    // The catalog is read (and fresh) before the column exists.
    expect((await through(["SELECT id FROM patients"])).rule).toBeNull();
    const direct = new pg.Client({ connectionString: harness.directUrl });
    await direct.connect();
    await direct.query("ALTER TABLE patients ADD COLUMN ssn_later text GENERATED ALWAYS AS (ssn) STORED");
    const { rows } = await direct.query("SELECT ssn_later FROM patients ORDER BY id");
    await direct.end();
    expect(rows.map((row) => row.ssn_later)).toEqual(SSNS);
    for (const sql of ["SELECT ssn_later FROM patients", "SELECT * FROM patients"]) {
      expect(leaked((await through([sql])).bytes), sql).toEqual([]);
    }
    const agent = new pg.Client({
      connectionString: harness.urlFor(harness.agent.name, harness.token, harness.connectionName),
    });
    await agent.connect();
    const prepared = await agent.query({ text: "SELECT ssn_later FROM patients WHERE id = $1", values: [1] });
    await agent.end();
    expect(prepared.rows).toEqual([{ ssn_later: "[REDACTED]" }]);
  });
});
