import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminQuery, createTestDatabase } from "../../../test/support";
import { createKeptCatalogReader, type KeptCatalogReader } from "../src/upstream/kept-catalog-reader";
import type { UpstreamLogin } from "../src/upstream/pg-client-config";
import { upstreamLoginOf } from "./upstream-login-of";

/**
 * Review of the catalog fingerprint (catalog-fingerprint.ts): a read skipped while the fingerprint
 * is unchanged is a bypass if any change the policy depends on leaves it unchanged. The server is
 * the oracle: each statement below changes something the catalog read reports (a trigger on or off,
 * row security, a policy, a rule, a cast, an operator, a family, a cascade, a domain's check, an
 * event trigger), most of them by updating one column of an existing catalog row. Each must force
 * a new read, and the new read must show the change where the policy looks for it.
 */
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let login: UpstreamLogin;
let reader: KeptCatalogReader;

const SETUP = `
  CREATE SCHEMA app;
  CREATE TABLE app.people (id int PRIMARY KEY, ssn text);
  CREATE TABLE app.orders (id int, person int);
  CREATE TABLE app.parent (id int);
  CREATE TABLE app.child (id int);
  CREATE TABLE app.measures (at int) PARTITION BY RANGE (at);
  CREATE TABLE app.measures_1 (at int);
  CREATE FUNCTION app.audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
  CREATE FUNCTION app.is_ok(text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT true $$;
  CREATE FUNCTION app.on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
  CREATE TRIGGER people_audit BEFORE INSERT ON app.people FOR EACH ROW EXECUTE FUNCTION app.audit();
  ALTER TABLE app.people DISABLE TRIGGER people_audit;
  CREATE POLICY people_ok ON app.people USING (app.is_ok(ssn));
  CREATE DOMAIN app.code AS text;
  CREATE TABLE app.codes (c app.code);
  CREATE EVENT TRIGGER on_ddl ON ddl_command_end EXECUTE FUNCTION app.on_ddl();
  ALTER EVENT TRIGGER on_ddl DISABLE;`;

beforeAll(async () => {
  database = await createTestDatabase("fpddl");
  login = upstreamLoginOf(database);
  await adminQuery(database.url, SETUP);
  reader = createKeptCatalogReader(() => {});
}, 60_000);

afterAll(async () => {
  await reader?.close();
  await adminQuery(database.url, "DROP EVENT TRIGGER IF EXISTS on_ddl").catch(() => {});
  await database?.drop();
});

async function readNow() {
  const read = await reader.read("c1", login, null);
  if (read.kind !== "read") throw new Error("a read with no fingerprint must read");
  return read;
}

type Catalog = Awaited<ReturnType<typeof readNow>>["catalog"];
const writeRuns = (catalog: Catalog) => [...catalog.code.writeRunsCode];
const readRuns = (catalog: Catalog) => [...catalog.code.readRunsCode];

/** Each change, and what the catalog read reports differently once it is committed. */
const CHANGES: Array<{ ddl: string; shows: (before: Catalog, after: Catalog) => void }> = [
  {
    ddl: "ALTER TABLE app.people ENABLE TRIGGER people_audit",
    shows: (_, after) =>
      expect(
        (after.code.writeCode.get("app.people") ?? []).some((w) => w.source.includes("people_audit")),
      ).toBe(true),
  },
  {
    ddl: "ALTER TABLE app.people ENABLE ROW LEVEL SECURITY",
    shows: (before, after) => {
      expect(readRuns(before)).not.toContain("app.people");
      expect(readRuns(after)).toContain("app.people");
    },
  },
  {
    ddl: "CREATE RULE orders_log AS ON INSERT TO app.orders DO ALSO NOTIFY orders",
    shows: (before, after) => {
      expect(writeRuns(before)).not.toContain("app.orders");
      expect(writeRuns(after)).toContain("app.orders");
    },
  },
  {
    ddl: "ALTER TABLE app.orders ADD FOREIGN KEY (person) REFERENCES app.people ON DELETE CASCADE",
    shows: (before, after) => expect(after.foreignKeys.length).toBe(before.foreignKeys.length + 1),
  },
  {
    ddl: "ALTER TABLE app.child INHERIT app.parent",
    shows: (before, after) => expect(after.families.length).toBe(before.families.length + 1),
  },
  {
    ddl: "ALTER TABLE app.measures ATTACH PARTITION app.measures_1 FOR VALUES FROM (0) TO (10)",
    shows: (before, after) => expect(after.families.length).toBe(before.families.length + 1),
  },
  {
    ddl: "ALTER DOMAIN app.code ADD CONSTRAINT code_ok CHECK (app.is_ok(VALUE))",
    shows: (before, after) => {
      expect(writeRuns(before)).not.toContain("app.codes");
      expect(writeRuns(after)).toContain("app.codes");
    },
  },
  {
    ddl: "CREATE OPERATOR app.=== (LEFTARG = text, RIGHTARG = text, FUNCTION = texteq)",
    shows: (_, after) => expect(after.code.userOperators.get("===")).toEqual(["app"]),
  },
  {
    ddl: "ALTER EVENT TRIGGER on_ddl ENABLE",
    shows: (before, after) => {
      expect(before.code.hasEventTriggers).toBe(false);
      expect(after.code.hasEventTriggers).toBe(true);
    },
  },
  {
    ddl: "ALTER TABLE app.people RENAME COLUMN ssn TO national_id",
    shows: (_, after) =>
      expect(after.columns.filter((c) => c.table === "people").map((c) => c.column)).toContain("national_id"),
  },
];

describe("the catalog fingerprint against the changes policy depends on", () => {
  for (const { ddl, shows } of CHANGES) {
    it(`changes with: ${ddl}`, async () => {
      const before = await readNow();
      await adminQuery(database.url, "ANALYZE");
      await adminQuery(database.url, "VACUUM pg_catalog.pg_class");
      // Statistics and VACUUM update catalog rows in place: they must not count as a change.
      expect((await reader.read("c1", login, before.fingerprint)).kind).toBe("unchanged");
      await adminQuery(database.url, ddl);
      const read = await reader.read("c1", login, before.fingerprint);
      expect(read.kind).toBe("read");
      if (read.kind === "read") shows(before.catalog, read.catalog);
    });
  }
});
