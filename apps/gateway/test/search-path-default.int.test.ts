import { randomBytes } from "node:crypto";
import { bumpPolicyVersion } from "@sluice/db/policy-version";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Pg15Server, pg15Missing, startPg15 } from "../../../test/pg15-server";
import { adminQuery } from "../../../test/support";
import { type Harness, startHarness } from "./support/gateway-harness";

/**
 * A database whose default search_path is `hr, public` (ALTER DATABASE … SET): unqualified names
 * resolve in hr first. PostgreSQL 18 reports search_path at login; 15 never does, so there the
 * gateway must read the path itself or it judges `secrets` as `public.secrets`.
 */
const SCHEMA_SQL = `
  CREATE SCHEMA hr;
  CREATE TABLE hr.secrets (id int); INSERT INTO hr.secrets VALUES (1);
  CREATE TABLE hr.people (id int, ssn text); INSERT INTO hr.people VALUES (1, '123-45-6789');
  CREATE TABLE public.secrets (id int);
  CREATE TABLE public.people (id int, ssn text); INSERT INTO public.people VALUES (1, 'public-row');`;

const CLEAR_SSN = "123-45-6789";

let harness: Harness;
let pg15: Pg15Server | null = null;
const pg15Skip = pg15Missing();

beforeAll(async () => {
  harness = await startHarness();
  const shop = await harness.prisma.connection.findUniqueOrThrow({ where: { name: harness.connectionName } });
  const ids = [shop.id];
  // PostgreSQL 18 (embedded): the harness's upstream.
  const pg18Role = decodeURIComponent(new URL(harness.directUrl).username);
  const pg18Db = new URL(harness.upstreamAdminUrl).pathname.slice(1);
  await adminQuery(harness.upstreamAdminUrl, `${SCHEMA_SQL} ${grants(pg18Role)}`);
  await adminQuery(harness.upstreamAdminUrl, `ALTER DATABASE ${pg18Db} SET search_path = hr, public`);
  if (!pg15Skip) {
    pg15 = await startPg15();
    const role = `agent_${randomBytes(4).toString("hex")}`;
    const password = randomBytes(12).toString("base64url");
    await adminQuery(pg15.adminUrl, `CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
    await adminQuery(pg15.adminUrl, "CREATE DATABASE shop15");
    const shopUrl = new URL(pg15.adminUrl);
    shopUrl.pathname = "/shop15";
    await adminQuery(shopUrl.toString(), `${SCHEMA_SQL} ${grants(role)}`);
    await adminQuery(pg15.adminUrl, "ALTER DATABASE shop15 SET search_path = hr, public");
    const connection = await harness.addConnection({
      name: "shop15",
      host: "127.0.0.1",
      port: pg15.port,
      database: "shop15",
      username: role,
      password,
      tlsMode: "DISABLE",
    });
    ids.push(connection.id);
    // A role's own default outranks the database's: public first, so `secrets` is public.secrets.
    const publicFirst = `agent_${randomBytes(4).toString("hex")}`;
    await adminQuery(pg15.adminUrl, `CREATE ROLE ${publicFirst} LOGIN PASSWORD '${password}'`);
    await adminQuery(shopUrl.toString(), grants(publicFirst));
    await adminQuery(pg15.adminUrl, `ALTER ROLE ${publicFirst} SET search_path = public, hr`);
    const roleConnection = await harness.addConnection({
      name: "shop15_public_first",
      host: "127.0.0.1",
      port: pg15.port,
      database: "shop15",
      username: publicFirst,
      password,
      tlsMode: "DISABLE",
    });
    ids.push(roleConnection.id);
  }
  for (const connectionId of ids) {
    await harness.prisma.guardrailRule.create({
      data: { connectionId, name: "no-hr-secrets", kind: "TABLE", match: { tables: ["hr.secrets"] } },
    });
    await harness.prisma.maskingRule.create({
      data: { connectionId, name: "hr-ssn", columnSelector: "hr.people.ssn", strategy: "REDACT" },
    });
  }
  await bumpPolicyVersion(harness.prisma);
  await harness.gateway.policies.reload();
}, 120_000);

afterAll(async () => {
  await harness?.stop();
  await pg15?.stop();
});

function grants(role: string): string {
  return `GRANT USAGE ON SCHEMA hr TO ${role}; GRANT SELECT ON ALL TABLES IN SCHEMA hr, public TO ${role};`;
}

async function asAgent<T>(connection: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    connectionString: harness.urlFor(harness.agent.name, harness.token, connection),
  });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** The rule that refused the statement, or "allow". */
async function verdict(client: pg.Client, sql: string): Promise<string> {
  try {
    await client.query(sql);
    return "allow";
  } catch (error) {
    const match = /^blocked by guardrail "([^"]+)"/.exec((error as Error).message);
    return match?.[1] ?? `error: ${(error as Error).message}`;
  }
}

const servers = [
  { name: "PostgreSQL 18 (embedded, reports search_path)", connection: () => harness.connectionName },
  { name: "PostgreSQL 15 (never reports search_path)", connection: () => "shop15", skip: pg15Skip },
];

for (const server of servers) {
  describe.skipIf(Boolean(server.skip))(`the database's default search_path on ${server.name}`, () => {
    it("is where the upstream really resolves names (the setup is what the test claims)", async () => {
      await asAgent(server.connection(), async (client) => {
        const { rows } = await client.query("SELECT pg_catalog.current_setting('search_path') AS path");
        expect(rows[0].path).toBe("hr, public");
      });
    });

    it("refuses SELECT * FROM secrets as it refuses SELECT * FROM hr.secrets", async () => {
      // Twice: the second session gets the pooled login back after its reset.
      for (let session = 0; session < 2; session += 1) {
        await asAgent(server.connection(), async (client) => {
          expect(await verdict(client, "SELECT * FROM hr.secrets")).toBe("no-hr-secrets");
          expect(await verdict(client, "SELECT * FROM secrets")).toBe("no-hr-secrets");
          expect(await verdict(client, "SELECT * FROM public.secrets")).toBe("allow");
        });
      }
    });

    it("masks SELECT ssn FROM people as it masks SELECT ssn FROM hr.people", async () => {
      for (let session = 0; session < 2; session += 1) {
        await asAgent(server.connection(), async (client) => {
          const qualified = (await client.query("SELECT ssn FROM hr.people")).rows[0].ssn;
          const unqualified = (await client.query("SELECT ssn FROM people")).rows[0].ssn;
          expect(qualified).not.toBe(CLEAR_SSN);
          expect(unqualified).toBe(qualified);
          expect((await client.query("SELECT ssn FROM public.people")).rows[0].ssn).toBe("public-row");
        });
      }
    });

    it("still refuses after the agent moves the path away and RESETs it back to the default", async () => {
      await asAgent(server.connection(), async (client) => {
        await client.query("SET search_path = public");
        await client.query("RESET search_path");
        expect(await verdict(client, "SELECT * FROM secrets")).toBe("no-hr-secrets");
        await client.query("SET search_path = public");
        await client.query("DISCARD ALL");
        expect(await verdict(client, "SELECT * FROM secrets")).toBe("no-hr-secrets");
      });
    });
  });
}

describe.skipIf(Boolean(pg15Skip))("a role's default search_path on PostgreSQL 15", () => {
  it("resolves names where the server does: public.secrets first, so only hr.secrets is refused", async () => {
    await asAgent("shop15_public_first", async (client) => {
      const { rows } = await client.query("SELECT pg_catalog.current_setting('search_path') AS path");
      expect(rows[0].path).toBe("public, hr");
      expect(await verdict(client, "SELECT * FROM secrets")).toBe("allow");
      expect(await verdict(client, "SELECT * FROM hr.secrets")).toBe("no-hr-secrets");
      // The agent puts hr first: the read path no longer says where names go, so every candidate counts.
      await client.query("SET search_path = hr, public");
      expect(await verdict(client, "SELECT * FROM secrets")).toBe("no-hr-secrets");
    });
  });
});

it.runIf(Boolean(pg15Skip))("PostgreSQL 15 tests skipped", () => {
  console.warn(`search-path-default: the PostgreSQL 15 cases were skipped: ${pg15Skip}`);
});
