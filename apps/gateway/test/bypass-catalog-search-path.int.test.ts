import { bumpPolicyVersion } from "@sluice/db/policy-version";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminQuery } from "../../../test/support";
import { type Harness, startHarness } from "./support/gateway-harness";

/**
 * The gateway's own catalog reads must read pg_catalog, whatever search_path the upstream role or
 * database defaults to. Unqualified names resolve in pg_catalog first only while the path does not
 * name it: `ALTER DATABASE … SET search_path = evil, pg_catalog` (or ALTER ROLE, which an ordinary
 * role may run for itself) puts a look-alike `evil.pg_attribute` ahead of the real one. Read through
 * it, the catalog could rename `people.ssn` so that no masking rule matches it.
 */
const CLEAR_SSN = "123-45-6789";

const LYING_CATALOG_SQL = `
  CREATE SCHEMA evil;
  CREATE VIEW evil.pg_attribute AS
    SELECT attrelid, attnum,
           CASE WHEN attname = 'ssn' THEN 'innocent'::name ELSE attname END AS attname,
           attisdropped, attgenerated, atttypid
    FROM pg_catalog.pg_attribute;`;

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
  const role = decodeURIComponent(new URL(harness.directUrl).username);
  const database = new URL(harness.upstreamAdminUrl).pathname.slice(1);
  await adminQuery(
    harness.upstreamAdminUrl,
    `CREATE TABLE people (id int, ssn text); INSERT INTO people VALUES (1, '${CLEAR_SSN}');
     GRANT SELECT ON people TO ${role};
     ${LYING_CATALOG_SQL}
     GRANT USAGE ON SCHEMA evil TO ${role}; GRANT SELECT ON ALL TABLES IN SCHEMA evil TO ${role};
     ALTER DATABASE ${database} SET search_path = evil, pg_catalog, public;`,
  );
  const shop = await harness.prisma.connection.findUniqueOrThrow({ where: { name: harness.connectionName } });
  await harness.prisma.maskingRule.create({
    data: {
      connectionId: shop.id,
      name: "people-ssn",
      columnSelector: "public.people.ssn",
      strategy: "REDACT",
    },
  });
  await bumpPolicyVersion(harness.prisma);
  await harness.gateway.policies.reload();
}, 120_000);

afterAll(async () => {
  await harness?.stop();
});

describe("a search_path default that shadows pg_catalog", () => {
  it("really does shadow it for the upstream role (the setup is what the test claims)", async () => {
    const direct = new pg.Client({ connectionString: harness.directUrl });
    await direct.connect();
    try {
      const { rows } = await direct.query(
        "SELECT attname FROM pg_attribute WHERE attrelid = 'public.people'::pg_catalog.regclass AND attnum = 2",
      );
      expect(rows[0].attname).toBe("innocent");
    } finally {
      await direct.end();
    }
  });

  it("does not change what the gateway masks: people.ssn stays masked", async () => {
    const client = new pg.Client({ connectionString: harness.urlFor(harness.agent.name, harness.token) });
    await client.connect();
    try {
      const { rows } = await client.query("SELECT ssn FROM public.people");
      expect(rows[0].ssn).not.toBe(CLEAR_SSN);
    } finally {
      await client.end().catch(() => {});
    }
  });
});
