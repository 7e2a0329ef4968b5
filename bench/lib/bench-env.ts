import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { withDatabase } from "@sluice/db/demo/demo-shop";
import { migrate } from "@sluice/db/migrations";
import { bumpPolicyVersion } from "@sluice/db/policy-version";
import { createPrisma } from "@sluice/db/prisma";
import { createAgent } from "@sluice/db/seed/create-agent";
import { createConnection } from "@sluice/db/seed/create-connection";
import pg from "pg";
import { BENCH_GUARDRAILS } from "./bench-guardrails";
import type { Cleanup } from "./cleanup";
import { startThrowawayPostgres } from "./throwaway-postgres";

/** pgbench's scale factor: 10 × 100,000 accounts, about 160 MB, so reads come from shared buffers. */
export const BENCH_SCALE = 10;

/** The upstream role and database every path reaches; Sluice's agent logs in as `bench-agent`. */
const BENCH_ROLE = "bench";
const AGENT_NAME = "bench-agent";

export type BenchEnv = Awaited<ReturnType<typeof createBenchEnv>>;

/**
 * A throwaway PostgreSQL holding a pgbench dataset and a Sluice store with one connection to it, the
 * demo's guardrails on that connection, and an agent allowed to use it. Every step registers its
 * teardown first, so a failure halfway leaves nothing running.
 */
export async function createBenchEnv(cleanup: Cleanup) {
  const { home, server } = await startThrowawayPostgres(cleanup, "bench");
  const password = randomBytes(12).toString("hex");
  const pgVersion = await createRoleAndDatabases(server.url, password);
  const upstream = { host: "127.0.0.1", port: server.port, user: BENCH_ROLE, database: BENCH_ROLE, password };
  const initArgs = ["-i", "-q", "-s", String(BENCH_SCALE), "-h", upstream.host, "-p", String(upstream.port)];
  initArgs.push("-U", upstream.user, upstream.database);
  execFileSync("pgbench", initArgs, { stdio: "ignore", env: { ...process.env, PGPASSWORD: password } });

  const storeUrl = withDatabase(server.url, "sluice");
  await migrate({ databaseUrl: storeUrl });
  const prisma = createPrisma(storeUrl);
  cleanup.add(() => prisma.$disconnect());
  const secretKey = randomBytes(32);
  const connection = await createConnection(prisma, {
    name: BENCH_ROLE,
    host: upstream.host,
    port: upstream.port,
    database: upstream.database,
    username: upstream.user,
    password,
    secretKey,
    tlsMode: "DISABLE",
    allowedGroups: [BENCH_ROLE],
  });
  await prisma.guardrailRule.createMany({
    data: BENCH_GUARDRAILS.map((rule) => ({ ...rule, connectionId: connection.id })),
  });
  await bumpPolicyVersion(prisma);
  const { token } = await createAgent(prisma, { name: AGENT_NAME, groups: [BENCH_ROLE] });
  return {
    home,
    prisma,
    storeUrl,
    secretKey,
    pgVersion,
    initCommand: `pgbench ${initArgs.join(" ")}`,
    upstream,
    agent: { name: AGENT_NAME, token },
  };
}

/** A SCRAM login role owning the pgbench database, and the empty database Sluice's store lives in. */
async function createRoleAndDatabases(superuserUrl: string, password: string): Promise<string> {
  const admin = new pg.Client({ connectionString: superuserUrl });
  await admin.connect();
  try {
    await admin.query("SET password_encryption = 'scram-sha-256'");
    await admin.query(`CREATE ROLE ${BENCH_ROLE} LOGIN PASSWORD '${password}'`);
    await admin.query(`CREATE DATABASE ${BENCH_ROLE} OWNER ${BENCH_ROLE}`);
    await admin.query("CREATE DATABASE sluice");
    return (await admin.query("SHOW server_version")).rows[0].server_version as string;
  } finally {
    await admin.end();
  }
}
