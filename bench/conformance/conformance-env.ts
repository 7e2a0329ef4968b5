import { randomBytes } from "node:crypto";
import path from "node:path";
import { withDatabase } from "@sluice/db/demo/demo-shop";
import { migrate } from "@sluice/db/migrations";
import { bumpPolicyVersion } from "@sluice/db/policy-version";
import { createPrisma } from "@sluice/db/prisma";
import { createAgent } from "@sluice/db/seed/create-agent";
import { createConnection } from "@sluice/db/seed/create-connection";
import { createScramVerifier } from "@sluice/secrets/scram-verifier";
import pg from "pg";
import { startGateway } from "../../apps/gateway/src/start-gateway";
import type { Cleanup } from "../lib/cleanup";
import { startThrowawayPostgres } from "../lib/throwaway-postgres";

export type Endpoint = { host: string; port: number; user: string; password: string; database: string };
export type ConformanceEnv = Awaited<ReturnType<typeof createConformanceEnv>>;

/** A login a suite names itself, with its own password: a role directly, an agent through Sluice. */
export type FixedLogin = { name: string; password: string };

export type SuiteShape = {
  /** The upstream role owning the scratch database; the database and the Sluice connection share its name. */
  role: string;
  /** The agent Sluice admits (a suite that hard-codes its user needs the same name as the role). */
  agentName: string;
  /** Superuser, as node-postgres's CI runs; postgres.js's runs as a plain database owner. */
  isSuperuser: boolean;
  /** More logins the suite uses by name: upstream roles, and agents with the same password as token. */
  fixedLogins: FixedLogin[];
};

const NODE_POSTGRES_SHAPE: SuiteShape = {
  role: "conformance",
  agentName: "conformance-agent",
  isSuperuser: true,
  fixedLogins: [],
};

/**
 * A throwaway PostgreSQL with a scratch database, a Sluice store holding one connection to it with
 * no rules of its own (only Sluice's built-in defaults judge), an agent, and a gateway serving both
 * plaintext and TLS. Each step registers its teardown first, so a failure halfway leaves nothing.
 */
export async function createConformanceEnv(cleanup: Cleanup, shape: SuiteShape = NODE_POSTGRES_SHAPE) {
  const { home, server } = await startThrowawayPostgres(cleanup, "conformance");
  const password = randomBytes(12).toString("hex");
  await createRoleAndDatabases(server.url, shape, password);
  const direct: Endpoint = {
    host: "127.0.0.1",
    port: server.port,
    user: shape.role,
    password,
    database: shape.role,
  };

  const storeUrl = withDatabase(server.url, "sluice");
  await migrate({ databaseUrl: storeUrl });
  const prisma = createPrisma(storeUrl);
  cleanup.add(() => prisma.$disconnect());
  const secretKey = randomBytes(32);
  await createConnection(prisma, {
    name: shape.role,
    host: direct.host,
    port: direct.port,
    database: direct.database,
    username: direct.user,
    password,
    secretKey,
    tlsMode: "DISABLE",
    allowedGroups: [shape.role],
  });
  const { token } = await createAgent(prisma, { name: shape.agentName, groups: [shape.role] });
  for (const login of shape.fixedLogins) await createFixedAgent(prisma, login, shape.role);
  await bumpPolicyVersion(prisma);
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
    user: shape.agentName,
    password: token,
    database: shape.role,
  };
  /** A fresh scratch database, so what one mode's run leaves behind cannot change the next's. */
  const resetScratchDatabase = () => recreateDatabase(server.url, shape.role);
  return {
    direct,
    viaSluice,
    superuserUrl: server.url,
    resetScratchDatabase,
    caFile: path.join(home, "tls", "ca.crt"),
  };
}

/**
 * An agent whose token is a password the suite hard-codes. Sluice never issues such a token; only
 * this harness writes its verifier straight into the store, so the suite's own logins work unchanged.
 */
async function createFixedAgent(prisma: ReturnType<typeof createPrisma>, login: FixedLogin, group: string) {
  const { agent } = await createAgent(prisma, { name: login.name, groups: [group] });
  await prisma.agentCredential.updateMany({
    where: { agentId: agent.id },
    data: { scramVerifier: createScramVerifier(login.password), fingerprint: "conformance" },
  });
}

/**
 * A SCRAM login role owning the scratch database (superuser when the suite's own CI runs it so:
 * node-postgres's tests create types and read pg_stat_activity of other sessions), the suite's
 * fixed logins, and the Sluice store's database. Names and passwords are the harness's own constants.
 */
async function createRoleAndDatabases(superuserUrl: string, shape: SuiteShape, password: string) {
  const admin = new pg.Client({ connectionString: superuserUrl });
  await admin.connect();
  try {
    await admin.query("SET password_encryption = 'scram-sha-256'");
    const superuser = shape.isSuperuser ? " SUPERUSER" : "";
    await admin.query(`CREATE ROLE ${shape.role} LOGIN${superuser} PASSWORD '${password}'`);
    for (const login of shape.fixedLogins) {
      await admin.query(`CREATE ROLE ${login.name} LOGIN PASSWORD '${login.password}'`);
    }
    await admin.query(`CREATE DATABASE ${shape.role} OWNER ${shape.role}`);
    await admin.query("CREATE DATABASE sluice");
  } finally {
    await admin.end();
  }
}

async function recreateDatabase(superuserUrl: string, name: string) {
  const admin = new pg.Client({ connectionString: superuserUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name} OWNER ${name}`);
  } finally {
    await admin.end();
  }
}
