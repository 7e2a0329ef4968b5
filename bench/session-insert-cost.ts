/**
 * The gateway's own CPU for the store statement every Postgres and MySQL login waits on after the
 * proof: the session row's INSERT. Prisma's `gatewaySession.create` (its query compiler and
 * interpreter, then the pg adapter), the same INSERT as raw SQL through Prisma (`$executeRawUnsafe`,
 * the id made in JavaScript), and as a prepared statement on the store's pool (`storeStatementsOf`,
 * what the gateway runs). One process, one store, interleaved round by round; CPU is this process's
 * user+system time, so PostgreSQL's own work is not counted.
 *
 *   ./node_modules/.bin/tsx bench/session-insert-cost.ts
 *     BENCH_ROUNDS (default 5), BENCH_REPEATS per measure per round (default 500)
 */
import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import { withDatabase } from "@sluice/db/demo/demo-shop";
import { migrate } from "@sluice/db/migrations";
import { createPrisma } from "@sluice/db/prisma";
import { createAgent } from "@sluice/db/seed/create-agent";
import { createConnection } from "@sluice/db/seed/create-connection";
import { storeStatementsOf } from "@sluice/db/store-statements";
import pg from "pg";
import { insertSessionRow, newSessionId } from "../apps/gateway/src/session-row-insert";
import { createCleanup } from "./lib/cleanup";
import { startThrowawayPostgres } from "./lib/throwaway-postgres";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 500);

const cleanup = createCleanup();
try {
  const { server } = await startThrowawayPostgres(cleanup, "session-insert");
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query("CREATE DATABASE sluice");
  await admin.end();
  const storeUrl = withDatabase(server.url, "sluice");
  await migrate({ databaseUrl: storeUrl });
  const prisma = createPrisma(storeUrl);
  cleanup.add(() => prisma.$disconnect());
  const connection = await createConnection(prisma, {
    name: "bench",
    host: "127.0.0.1",
    port: 5432,
    database: "bench",
    username: "bench",
    password: "unused",
    secretKey: randomBytes(32),
    tlsMode: "DISABLE",
    allowedGroups: ["bench"],
  });
  const { agent } = await createAgent(prisma, { name: "bench-agent", groups: ["bench"] });
  const row = {
    agentId: agent.id,
    connectionId: connection.id,
    gatewayId: "bench",
    clientAddress: "127.0.0.1",
    isTls: false,
    agentGroups: ["bench"],
  };
  const statements = storeStatementsOf(prisma);
  const insertText = `INSERT INTO gateway_sessions (id, agent_id, connection_id, gateway_id, client_address, is_tls, agent_groups)
    VALUES ($1, $2, $3, $4, $5, $6, $7::text[])`;
  const values = () => [newSessionId(), ...Object.values(row)];
  const measures: Record<string, () => Promise<unknown>> = {
    "Prisma gatewaySession.create (before)": () =>
      prisma.gatewaySession.create({ data: row, select: { id: true } }),
    "the same INSERT through Prisma's $executeRawUnsafe": () =>
      prisma.$executeRawUnsafe(insertText, ...values()),
    "prepared on the store's pool (insertSessionRow)": () => insertSessionRow(statements, row),
  };
  const cpu: Record<string, number[]> = Object.fromEntries(Object.keys(measures).map((name) => [name, []]));
  const wall: Record<string, number[]> = Object.fromEntries(Object.keys(measures).map((name) => [name, []]));
  for (const run of Object.values(measures)) for (let i = 0; i < 200; i++) await run(); // warm-up
  const loads: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    loads.push((loadavg()[0] ?? 0).toFixed(1));
    for (const [name, run] of Object.entries(measures)) {
      const start = process.cpuUsage();
      const started = performance.now();
      for (let i = 0; i < REPEATS; i++) await run();
      const used = process.cpuUsage(start);
      wall[name]?.push(((performance.now() - started) * 1000) / REPEATS);
      cpu[name]?.push((used.user + used.system) / REPEATS);
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  const range = (values: number[]) =>
    `${median(values).toFixed(0)} (${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)})`;
  console.log(
    `${ROUNDS} rounds × ${REPEATS} of each; load average (1 min) at each round: ${loads.join(", ")}`,
  );
  console.log("| session INSERT | CPU µs each, median (range) | wall µs each, median (range) |");
  console.log("| --- | --- | --- |");
  for (const name of Object.keys(measures))
    console.log(`| ${name} | ${range(cpu[name] ?? [])} | ${range(wall[name] ?? [])} |`);
} finally {
  await cleanup.run();
}
