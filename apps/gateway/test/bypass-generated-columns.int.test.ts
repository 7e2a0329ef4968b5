import { bumpPolicyVersion } from "@sluice/db/policy-version";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/gateway-harness";

/**
 * Generated columns (issue 14, class 3): a column the server computes from a masked one is a copy
 * of it under another attribute. Through the real gateway, checked against the upstream's values.
 */
let harness: Harness;
const STRICT = "shop_strict_generated";
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
    INSERT INTO patients (id, name, ssn) VALUES (1, 'ann', '${SSNS[0]}'), (2, 'bob', '${SSNS[1]}'), (3, 'cy', '${SSNS[2]}');`);
  // An owner's function could read any table: a column it computes is not proven clean.
  await direct.query(`
    CREATE FUNCTION shout(text) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT upper($1) || '!' $$;
    ALTER TABLE patients ADD COLUMN name_shout text GENERATED ALWAYS AS (shout(name)) STORED;`);
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
    rule = /"(sluice:[a-z-]+)"/.exec((error as Error).message)?.[1] ?? null;
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
