import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/gateway-harness";
import { SENSITIVE_VALUES, seedMaskedShop } from "./support/masked-shop";
import { connectRecording } from "./support/received-bytes";
import { run } from "./support/run";

/**
 * Catalogs that describe structure (names, types, keys, comments) come back in clear on a
 * connection with masking rules, so agents' schema reflection works as it does on the database;
 * catalogs that hold values of user columns (statistics, other sessions' statement text) stay
 * masked. Decided by the relation's identity (its OID in the upstream's catalog), never its name.
 */
let harness: Harness;
const PYTHON = "/usr/bin/python3";

beforeAll(async () => {
  harness = await startHarness();
  await seedMaskedShop(harness);
  const direct = new pg.Client({ connectionString: harness.directUrl });
  await direct.connect();
  // Statistics hold the masked columns' most common values and histogram bounds.
  await direct.query("COMMENT ON COLUMN customers.ssn IS 'social security number'; ANALYZE customers");
  // A user view that borrows a structure catalog's name: found first on the search path below.
  await direct.query("CREATE SCHEMA lookalike");
  await direct.query("CREATE VIEW lookalike.pg_tables AS SELECT ssn AS tablename FROM public.customers");
  await direct.query("CREATE VIEW lookalike.columns AS SELECT ssn AS column_name FROM public.customers");
  await direct.end();
});
afterAll(() => harness?.stop());

/** SQLAlchemy's inspector, as LangChain's SQLDatabase and CrewAI's NL2SQLTool reflect a database. */
const INSPECT = `
import json, sys
from sqlalchemy import create_engine, inspect
inspector = inspect(create_engine(sys.argv[1]))
print(json.dumps({
  "tables": sorted(inspector.get_table_names()),
  "columns": [[c["name"], str(c["type"]), c.get("comment")] for c in inspector.get_columns("customers")],
  "pk": inspector.get_pk_constraint("orders")["constrained_columns"],
}))
`;

describe("structure catalogs through a masked connection", () => {
  it("SQLAlchemy's inspector lists tables and columns by their real names", async () => {
    const url = harness.url.replace(/^postgresql:/, "postgresql+psycopg2:");
    const result = await run(PYTHON, ["-c", INSPECT, url]);
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual({
      tables: ["customers", "orders"],
      columns: [
        ["id", "INTEGER", null],
        ["first_name", "TEXT", null],
        ["email", "TEXT", null],
        ["ssn", "TEXT", "social security number"],
        ["card_number", "TEXT", null],
      ],
      pk: ["id"],
    });
  });

  for (const [sql, expected] of [
    [
      "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' ORDER BY 1",
      [{ relname: "customers" }, { relname: "orders" }],
    ],
    [
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
      [{ tablename: "customers" }, { tablename: "orders" }],
    ],
    [
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'customers' ORDER BY ordinal_position LIMIT 2",
      [
        { column_name: "id", data_type: "integer" },
        { column_name: "first_name", data_type: "text" },
      ],
    ],
    [
      "SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a WHERE a.attrelid = 'customers'::regclass AND a.attnum = 4",
      [{ attname: "ssn", type: "text" }],
    ],
    [
      "SELECT upper(table_name) AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
      [{ t: "CUSTOMERS" }, { t: "ORDERS" }],
    ],
  ] as const) {
    it(`${sql} is in clear`, async () => {
      const client = new pg.Client({ connectionString: harness.url });
      await client.connect();
      try {
        expect((await client.query(sql)).rows).toEqual(expected);
      } finally {
        await client.end();
      }
    });
  }

  for (const steps of [
    [
      "SELECT attname, most_common_vals::text, histogram_bounds::text FROM pg_stats WHERE tablename = 'customers'",
    ],
    ["SELECT * FROM pg_stats WHERE tablename = 'customers'"],
    // Names are not identity: these are user relations holding SSNs, whatever they are called.
    ["SET search_path = lookalike, pg_catalog", "SELECT tablename FROM pg_tables"],
    ["SET search_path = lookalike, pg_catalog", "SELECT upper(tablename) FROM pg_tables"],
    ["SELECT column_name FROM lookalike.columns"],
    ["SET search_path = lookalike, information_schema", "SELECT column_name || '' FROM columns"],
  ]) {
    it(`${steps.join("; ")} shows no masked value`, async () => {
      const received = async (url: string) => {
        const recording = await connectRecording(url);
        for (const sql of steps) await recording.client.query(sql).catch(() => {});
        await recording.client.end();
        return recording.received().toString("utf8");
      };
      // The case is real: directly, the values are there.
      const direct = await received(harness.directUrl);
      expect(SENSITIVE_VALUES.some((value) => direct.includes(value))).toBe(true);
      const through = await received(harness.url);
      expect(SENSITIVE_VALUES.filter((value) => through.includes(value))).toEqual([]);
    });
  }
});
