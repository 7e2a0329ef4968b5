import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminQuery, createTestDatabase } from "../../../test/support";
import { createKeptCatalogReader, type KeptCatalogReader } from "../src/upstream/kept-catalog-reader";
import type { UpstreamLogin } from "../src/upstream/pg-client-config";
import { upstreamLoginOf } from "./upstream-login-of";

/**
 * The gateway's catalog reads over a kept connection, skipped while the fingerprint is unchanged:
 * the server is the oracle for what counts as a change (every DDL below must be seen, and activity
 * that changes no catalog row must not force a read).
 */
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let login: UpstreamLogin;
let reader: KeptCatalogReader;

beforeAll(async () => {
  database = await createTestDatabase("fingerprint");
  login = upstreamLoginOf(database);
  await adminQuery(
    database.url,
    "CREATE TABLE people (id int PRIMARY KEY, ssn text); INSERT INTO people VALUES (1, '123-45-6789')",
  );
  reader = createKeptCatalogReader(() => {});
}, 60_000);

afterAll(async () => {
  await reader?.close();
  await database?.drop();
});

async function fingerprintNow(): Promise<string> {
  const read = await reader.read("c1", login, null);
  if (read.kind !== "read") throw new Error("a read with no fingerprint must read");
  return read.fingerprint;
}

/** The column names the read returns for people. */
async function peopleColumns(): Promise<string[]> {
  const read = await reader.read("c1", login, null);
  if (read.kind !== "read") throw new Error("expected a read");
  return read.catalog.columns.filter((column) => column.table === "people").map((column) => column.column);
}

describe("a kept catalog reader", () => {
  it("skips the read while nothing changed, even with rows written and read meanwhile", async () => {
    const fingerprint = await fingerprintNow();
    await adminQuery(database.url, "INSERT INTO people VALUES (2, '987-65-4321'); SELECT * FROM people");
    await adminQuery(
      database.url,
      "UPDATE people SET ssn = ssn WHERE id = 2; DELETE FROM people WHERE id = 2",
    );
    await adminQuery(database.url, "VACUUM people");
    expect((await reader.read("c1", login, fingerprint)).kind).toBe("unchanged");
  });

  const changes = [
    "ALTER TABLE people ADD COLUMN email text",
    "CREATE VIEW people_view AS SELECT ssn FROM people",
    "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
    "GRANT SELECT ON people TO PUBLIC",
    "CREATE INDEX ON people (ssn)",
    "ALTER TABLE people ALTER COLUMN ssn SET DEFAULT 'x'",
    "CREATE TABLE orders (id int, person int REFERENCES people ON DELETE CASCADE)",
    "CREATE TEMP TABLE scratch (id int)",
    // Last: the changes above name ssn.
    "ALTER TABLE people RENAME COLUMN ssn TO national_id",
  ];
  for (const ddl of changes) {
    it(`reads again after: ${ddl}`, async () => {
      const fingerprint = await fingerprintNow();
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        await client.query("BEGIN");
        await client.query(ddl);
        // Not yet committed: the server's other sessions see the old catalog, so must the reader.
        expect((await reader.read("c1", login, fingerprint)).kind).toBe("unchanged");
        await client.query("ROLLBACK");
        expect((await reader.read("c1", login, fingerprint)).kind).toBe("unchanged");
        await client.query(ddl);
        expect((await reader.read("c1", login, fingerprint)).kind).toBe("read");
      } finally {
        await client.end();
      }
    });
  }

  it("returns what the server has now after a change", async () => {
    expect(await peopleColumns()).toContain("national_id");
    expect(await peopleColumns()).not.toContain("ssn");
  });

  it("reads over one kept connection, not a login per read", async () => {
    for (let round = 0; round < 5; round += 1) await reader.read("c1", login, null);
    const { rows } = await adminQuery(
      database.url,
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'sluice-masking-catalog'",
      [database.name],
    );
    expect(rows[0].n).toBe(1);
  });

  it("reads pg_catalog whatever search_path the database defaults to", async () => {
    await adminQuery(
      database.url,
      `CREATE SCHEMA evil; CREATE VIEW evil.pg_attribute AS SELECT attrelid, attnum, attname, attisdropped, attgenerated, atttypid FROM pg_catalog.pg_attribute WHERE false;
       ALTER DATABASE ${database.name} SET search_path = evil, pg_catalog, public`,
    );
    // A kept connection keeps its login's settings: a new reader logs in again.
    const fresh = createKeptCatalogReader(() => {});
    try {
      const read = await fresh.read("c1", login, null);
      if (read.kind !== "read") throw new Error("expected a read");
      expect(read.catalog.columns.some((column) => column.table === "people")).toBe(true);
    } finally {
      await fresh.close();
    }
  });
});
