/**
 * The gateway's own CPU for its periodic store work, which a pgbench profile shows only as a few
 * percent among the socket writes: a revocation check (every REVOCATION_POLL_MS per worker) and a
 * second's recording chunks of every live session, written one INSERT each (as before batching), as
 * Prisma's createMany, or as one raw multi-row INSERT (ChunkBatches, what the writer does now). One
 * process, one store, the measures interleaved round by round; CPU is this process's user+system time (Prisma and pg run in it, as in the
 * gateway), so PostgreSQL's own work is not counted. Per second of a gateway with SESSIONS live
 * sessions, and per transaction at BENCH_TPS.
 *
 * With a baseline checkout (bench/make-baseline.sh), its revocation tick is measured beside this one.
 *
 *   ./node_modules/.bin/tsx bench/store-work-cost.ts [/path/to/baseline/checkout]
 *     BENCH_ROUNDS (default 5), BENCH_REPEATS per measure per round (default 100),
 *     BENCH_SESSIONS live sessions (default 16), BENCH_TPS (default 10000), BENCH_CHUNK_BYTES (default 8192)
 */
import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import path from "node:path";
import { withDatabase } from "@sluice/db/demo/demo-shop";
import { migrate } from "@sluice/db/migrations";
import { createPrisma } from "@sluice/db/prisma";
import { createAgent } from "@sluice/db/seed/create-agent";
import { createConnection } from "@sluice/db/seed/create-connection";
import pg from "pg";
import { ChunkBatches } from "../apps/gateway/src/recording/chunk-batches";
import { findRevoked } from "../apps/gateway/src/revocation-check";
import { readRevocationFacts } from "../apps/gateway/src/revocation-query";
import { REVOCATION_POLL_MS } from "../apps/gateway/src/revocation-watcher";
import { createCleanup } from "./lib/cleanup";
import { startThrowawayPostgres } from "./lib/throwaway-postgres";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 100);
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 16);
const TPS = Number(process.env.BENCH_TPS ?? 10_000);
const CHUNK_BYTES = Number(process.env.BENCH_CHUNK_BYTES ?? 8192);
const BASELINE = process.argv[2];

type Watched = { sessionId: string; credentialId: string; connectionId: string; agentId: string };
type Prisma = ReturnType<typeof createPrisma>;

/** The baseline's revocation tick (before this branch: four Prisma queries), as its watcher ran it. */
async function baselineTick(checkout: string): Promise<(prisma: Prisma, live: Watched[]) => Promise<void>> {
  const source = path.resolve(checkout, "apps/gateway/src");
  const check = (await import(path.join(source, "revocation-check.ts"))) as {
    readStillAllowed: (prisma: Prisma, sessions: Watched[]) => Promise<unknown>;
  };
  const elsewhere = (await import(path.join(source, "ended-elsewhere.ts"))) as {
    findEndedElsewhere?: (prisma: Prisma, ids: string[]) => Promise<unknown>;
  };
  return async (prisma, live) => {
    await check.readStillAllowed(prisma, live);
    await elsewhere.findEndedElsewhere?.(
      prisma,
      live.map((session) => session.sessionId),
    );
  };
}

const cleanup = createCleanup();
try {
  const { server } = await startThrowawayPostgres(cleanup, "store-work");
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
  const { agent, credential } = await createAgent(prisma, { name: "bench-agent", groups: ["bench"] });
  const sessions = await Promise.all(
    Array.from({ length: SESSIONS }, () =>
      prisma.gatewaySession.create({
        data: {
          agentId: agent.id,
          connectionId: connection.id,
          gatewayId: "bench",
          clientAddress: "127.0.0.1",
          isTls: false,
          agentGroups: ["bench"],
        },
        select: { id: true },
      }),
    ),
  );
  // What the watcher reads of a live session.
  const live = sessions.map((session) => ({
    sessionId: session.id,
    credentialId: credential.id,
    connectionId: connection.id,
    agentId: agent.id,
  }));
  const baseline = BASELINE ? await baselineTick(BASELINE) : null;
  const batches = new ChunkBatches(prisma);
  const payload = new Uint8Array(randomBytes(CHUNK_BYTES));
  let seq = 0;
  const chunksOfOneSecond = () => {
    seq += 1;
    return sessions.map((session) => ({
      sessionId: session.id,
      seq,
      payload,
      eventCount: 100,
      prevHash: "0".repeat(64),
      hash: "1".repeat(64),
    }));
  };

  const measures: Record<string, { perSecond: number; run: () => Promise<unknown> }> = {
    "revocation tick (this tree)": {
      perSecond: 1000 / REVOCATION_POLL_MS,
      run: async () => {
        const { allowed, ended } = await readRevocationFacts(
          prisma,
          live,
          ["POSTGRES", "MYSQL"],
          live.map((session) => session.sessionId),
        );
        if (findRevoked(live, allowed).length > 0 || ended.size > 0)
          throw new Error("a bench session was revoked");
      },
    },
    ...(baseline
      ? {
          [`revocation tick (${path.basename(BASELINE ?? "")})`]: {
            perSecond: 1000 / REVOCATION_POLL_MS,
            run: () => baseline(prisma, live),
          },
        }
      : {}),
    [`${SESSIONS} chunks, one INSERT each`]: {
      perSecond: 1,
      run: () =>
        Promise.all(
          chunksOfOneSecond().map((data) => prisma.recordingChunk.create({ data, select: { seq: true } })),
        ),
    },
    [`${SESSIONS} chunks, one multi-row INSERT`]: {
      perSecond: 1,
      run: () => prisma.recordingChunk.createMany({ data: chunksOfOneSecond() }),
    },
    [`${SESSIONS} chunks, one multi-row INSERT (ChunkBatches)`]: {
      perSecond: 1,
      run: () => {
        const release = batches.hold();
        const stored = Promise.all(chunksOfOneSecond().map((chunk) => batches.store(chunk)));
        release();
        return stored;
      },
    },
  };
  const cpu: Record<string, number[]> = Object.fromEntries(Object.keys(measures).map((name) => [name, []]));
  for (const { run } of Object.values(measures)) for (let i = 0; i < 10; i++) await run(); // warm-up
  const loads: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    loads.push((loadavg()[0] ?? 0).toFixed(1));
    for (const [name, { run }] of Object.entries(measures)) {
      const start = process.cpuUsage();
      for (let i = 0; i < REPEATS; i++) await run();
      const used = process.cpuUsage(start);
      cpu[name]?.push((used.user + used.system) / REPEATS);
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  console.log(
    `${ROUNDS} rounds × ${REPEATS} of each, ${SESSIONS} live sessions, ${CHUNK_BYTES}-byte chunks; load average (1 min) at each round: ${loads.join(", ")}`,
  );
  console.log(
    `| store work | CPU µs each, median (range) | per second of a gateway | µs per txn at ${TPS} tps |`,
  );
  console.log("| --- | --- | --- | --- |");
  for (const [name, { perSecond }] of Object.entries(measures)) {
    const values = cpu[name] ?? [];
    const each = median(values);
    console.log(
      `| ${name} | ${each.toFixed(0)} (${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)}) | ${(each * perSecond).toFixed(0)} µs | ${((each * perSecond) / TPS).toFixed(2)} |`,
    );
  }
} finally {
  await cleanup.run();
}
