import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { withDatabase } from "@sluice/db/demo/demo-shop";
import { startEmbeddedPostgres } from "@sluice/db/embedded-postgres";
import { migrate } from "@sluice/db/migrations";
import { bumpPolicyVersion } from "@sluice/db/policy-version";
import { createPrisma } from "@sluice/db/prisma";
import { createAgent } from "@sluice/db/seed/create-agent";
import { createConnection } from "@sluice/db/seed/create-connection";
import pg from "pg";

export const BENCH_SCALE = 10;

/**
 * A throwaway PostgreSQL with a pgbench dataset, a Sluice store holding one connection, the demo's
 * guardrails on it, and an agent allowed to use it.
 */
export async function createBenchEnv() {
  const home = mkdtempSync(path.join(tmpdir(), "sluice-bench-"));
  const server = await startEmbeddedPostgres({
    dataDir: path.join(home, "pg"),
    port: 56000 + Math.floor(Math.random() * 2000),
    portSetting: "(bench)",
    isEphemeral: true,
    // Enough backends for pgbench -c 16 on three paths at once plus the store.
    onLog: () => {},
  });
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  const password = randomBytes(12).toString("hex");
  await admin.query(
    `SET password_encryption = 'scram-sha-256'; CREATE ROLE bench LOGIN PASSWORD '${password}'`,
  );
  await admin.query("CREATE DATABASE bench OWNER bench");
  await admin.query("CREATE DATABASE sluice");
  const pgVersion = (await admin.query("SHOW server_version")).rows[0].server_version as string;
  await admin.end();
  const benchUrl = new URL(withDatabase(server.url, "bench"));
  benchUrl.username = "bench";
  benchUrl.password = password;
  execFileSync("pgbench", ["-i", "-q", "-s", String(BENCH_SCALE), benchUrl.toString()], { stdio: "ignore" });

  const storeUrl = withDatabase(server.url, "sluice");
  await migrate({ databaseUrl: storeUrl });
  const prisma = createPrisma(storeUrl);
  const secretKey = randomBytes(32);
  const connection = await createConnection(prisma, {
    name: "bench",
    host: "127.0.0.1",
    port: server.port,
    database: "bench",
    username: "bench",
    password,
    secretKey,
    tlsMode: "DISABLE",
    allowedGroups: ["bench"],
  });
  await prisma.guardrailRule.createMany({
    data: [
      {
        connectionId: connection.id,
        name: "no-drop-truncate",
        kind: "STATEMENT_KIND",
        match: { kinds: ["DROP", "TRUNCATE"] },
      },
      {
        connectionId: connection.id,
        name: "no-unscoped-delete",
        kind: "MISSING_WHERE",
        match: { kinds: ["DELETE"] },
      },
      {
        connectionId: connection.id,
        name: "no-unscoped-update",
        kind: "MISSING_WHERE",
        match: { kinds: ["UPDATE"] },
      },
      {
        connectionId: connection.id,
        name: "no-file-functions",
        kind: "FUNCTION",
        match: { functions: ["pg_read_file", "lo_import"] },
      },
    ],
  });
  await bumpPolicyVersion(prisma);
  const { token } = await createAgent(prisma, { name: "bench-agent", groups: ["bench"] });
  return {
    home,
    prisma,
    storeUrl,
    secretKey,
    pgVersion,
    upstream: { port: server.port, user: "bench", password, database: "bench", url: benchUrl.toString() },
    agent: { name: "bench-agent", token },
    stop: async () => {
      await prisma.$disconnect();
      await server.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
