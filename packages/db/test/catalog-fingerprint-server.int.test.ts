import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Pg15Server, pg15Missing, startPg15 } from "../../../test/pg15-server";
import { adminQuery, createTestDatabase } from "../../../test/support";
import { catalogFingerprint } from "../src/upstream/catalog-fingerprint";
import { createKeptCatalogReader, type KeptCatalogRead } from "../src/upstream/kept-catalog-reader";
import type { UpstreamLogin } from "../src/upstream/pg-client-config";

/**
 * The catalog fingerprint names the server that answered: after a restart (or on another server
 * behind the same address) transaction ids are handed out again, and a catalog that lost the last
 * DDL could sum to the fingerprint of the one read before. The server is the oracle: what a plain
 * role may call (PostgreSQL 18, the embedded one, and 15), and a real restart of a PostgreSQL 15.
 */
const pg15Skip = pg15Missing();
let pg15: Pg15Server | null = null;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
const role = `plain_${randomBytes(4).toString("hex")}`;
const password = randomBytes(12).toString("base64url");

/** A login role with no privileges beyond PUBLIC's, as a brokered upstream login usually is. */
const createRole = (adminUrl: string) =>
  adminQuery(adminUrl, `CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);

function loginTo(adminUrl: string, databaseName: string): UpstreamLogin {
  const url = new URL(adminUrl);
  return {
    host: url.hostname,
    port: Number(url.port),
    database: databaseName,
    user: role,
    password,
    tlsMode: "DISABLE",
    tlsCaPem: null,
  };
}

/** What the plain role sees of the server's identity and may call, on the server of `login`. */
async function asPlainRole(login: UpstreamLogin) {
  const client = new pg.Client({ ...login, password: login.password ?? undefined });
  await client.connect();
  try {
    const { rows } = await client.query<{
      start: string;
      system: string;
      startGranted: boolean;
      systemGranted: boolean;
    }>(
      `SELECT pg_postmaster_start_time()::text AS start,
         (SELECT system_identifier::text FROM pg_control_system()) AS system,
         has_function_privilege('pg_postmaster_start_time()', 'EXECUTE') AS "startGranted",
         has_function_privilege('pg_control_system()', 'EXECUTE') AS "systemGranted"`,
    );
    return { ...(rows[0] as (typeof rows)[0]), fingerprint: await catalogFingerprint(client, "7") };
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  database = await createTestDatabase("identity");
  await createRole(database.url);
  if (!pg15Skip) {
    pg15 = await startPg15();
    await createRole(pg15.adminUrl);
  }
}, 120_000);

afterAll(async () => {
  await database?.drop();
  await adminQuery(inject("adminUrl"), `DROP ROLE IF EXISTS ${role}`).catch(() => {});
  await pg15?.stop();
});

describe("the catalog fingerprint's server identity", () => {
  it("is the start time and system identifier a plain role reads on PostgreSQL 18", async () => {
    const seen = await asPlainRole(loginTo(database.url, database.name));
    expect(seen).toMatchObject({ startGranted: true, systemGranted: true });
    expect(seen.fingerprint.startsWith(`7/${seen.start}/${seen.system}/`)).toBe(true);
  });

  it.skipIf(pg15Skip !== null)("is the same on PostgreSQL 15", async () => {
    const server = pg15 as Pg15Server;
    const seen = await asPlainRole(loginTo(server.adminUrl, "postgres"));
    expect(seen).toMatchObject({ startGranted: true, systemGranted: true });
    expect(seen.fingerprint.startsWith(`7/${seen.start}/${seen.system}/`)).toBe(true);
  });

  it("never matches where the role may not read the start time (every read is then whole)", async () => {
    await adminQuery(database.url, "REVOKE EXECUTE ON FUNCTION pg_postmaster_start_time() FROM PUBLIC");
    const login = loginTo(database.url, database.name);
    const client = new pg.Client({ ...login, password: login.password ?? undefined });
    await client.connect();
    try {
      const first = await catalogFingerprint(client, "7");
      expect(first.startsWith("7/unknown ")).toBe(true);
      expect(await catalogFingerprint(client, "7")).not.toBe(first);
    } finally {
      await client.end();
      await adminQuery(database.url, "GRANT EXECUTE ON FUNCTION pg_postmaster_start_time() TO PUBLIC");
    }
  });

  it.skipIf(pg15Skip !== null)(
    "has a kept reader read the whole catalog again after the server restarted",
    async () => {
      const server = pg15 as Pg15Server;
      await adminQuery(
        server.adminUrl,
        `CREATE TABLE people (id int, ssn text); GRANT SELECT ON people TO ${role}`,
      );
      const login = loginTo(server.adminUrl, "postgres");
      const reader = createKeptCatalogReader(() => {});
      try {
        const first = await reader.read("c1", login, null);
        if (first.kind !== "read") throw new Error("a first read reads");
        expect((await reader.read("c1", login, first.fingerprint)).kind).toBe("unchanged");
        await server.restart();
        // The kept connection died with the server: the pool drops it, and the next read connects.
        const after: KeptCatalogRead = await reader
          .read("c1", login, first.fingerprint)
          .catch(() => reader.read("c1", login, first.fingerprint));
        expect(after.kind).toBe("read");
      } finally {
        await reader.close();
      }
    },
    120_000,
  );
});
