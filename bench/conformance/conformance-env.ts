import { randomBytes } from "node:crypto";
import path from "node:path";
import { withDatabase } from "@sluice/db/demo/demo-shop";
import { migrate } from "@sluice/db/migrations";
import { bumpPolicyVersion } from "@sluice/db/policy-version";
import { createPrisma } from "@sluice/db/prisma";
import { createAgent } from "@sluice/db/seed/create-agent";
import { createConnection } from "@sluice/db/seed/create-connection";
import pg from "pg";
import { startGateway } from "../../apps/gateway/src/start-gateway";
import type { Cleanup } from "../lib/cleanup";
import { startThrowawayPostgres } from "../lib/throwaway-postgres";

/** The upstream role and scratch database the suite runs in, and the agent Sluice admits. */
const SUITE_ROLE = "conformance";
const AGENT_NAME = "conformance-agent";

export type Endpoint = { host: string; port: number; user: string; password: string; database: string };
export type ConformanceEnv = Awaited<ReturnType<typeof createConformanceEnv>>;

/**
 * A throwaway PostgreSQL with a scratch database, a Sluice store holding one connection to it with
 * no rules of its own (only Sluice's built-in defaults judge), an agent, and a gateway serving both
 * plaintext and TLS. Each step registers its teardown first, so a failure halfway leaves nothing.
 */
export async function createConformanceEnv(cleanup: Cleanup) {
  const { home, server } = await startThrowawayPostgres(cleanup, "conformance");
  const password = randomBytes(12).toString("hex");
  await createRoleAndDatabases(server.url, password);
  const direct: Endpoint = {
    host: "127.0.0.1",
    port: server.port,
    user: SUITE_ROLE,
    password,
    database: SUITE_ROLE,
  };

  const storeUrl = withDatabase(server.url, "sluice");
  await migrate({ databaseUrl: storeUrl });
  const prisma = createPrisma(storeUrl);
  cleanup.add(() => prisma.$disconnect());
  const secretKey = randomBytes(32);
  await createConnection(prisma, {
    name: SUITE_ROLE,
    host: direct.host,
    port: direct.port,
    database: direct.database,
    username: direct.user,
    password,
    secretKey,
    tlsMode: "DISABLE",
    allowedGroups: [SUITE_ROLE],
  });
  await bumpPolicyVersion(prisma);
  const { token } = await createAgent(prisma, { name: AGENT_NAME, groups: [SUITE_ROLE] });
  const gateway = await startGateway({
    prisma,
    databaseUrl: storeUrl,
    port: 0,
    secretKey,
    home,
    isTlsEnabled: true,
    hosts: ["127.0.0.1"],
    log: () => {},
  });
  cleanup.add(() => gateway.close());
  const viaSluice: Endpoint = {
    host: "127.0.0.1",
    port: gateway.port,
    user: AGENT_NAME,
    password: token,
    database: SUITE_ROLE,
  };
  return { direct, viaSluice, caFile: path.join(home, "tls", "ca.crt") };
}

/**
 * A SCRAM login role owning the scratch database (superuser, as the suite's own CI runs it: some
 * tests create types and read pg_stat_activity of other sessions), and the Sluice store's database.
 */
async function createRoleAndDatabases(superuserUrl: string, password: string) {
  const admin = new pg.Client({ connectionString: superuserUrl });
  await admin.connect();
  try {
    await admin.query("SET password_encryption = 'scram-sha-256'");
    await admin.query(`CREATE ROLE ${SUITE_ROLE} LOGIN SUPERUSER PASSWORD '${password}'`);
    await admin.query(`CREATE DATABASE ${SUITE_ROLE} OWNER ${SUITE_ROLE}`);
    await admin.query("CREATE DATABASE sluice");
  } finally {
    await admin.end();
  }
}
