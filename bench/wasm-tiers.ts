/**
 * What the WebAssembly tier costs the gateway and what it buys: gateway processes of several
 * checkouts (each may compile WebAssembly differently: `apps/gateway/src/wasm-tiers.ts`)
 * judge the same statements, each of a shape never seen before (so each is parsed), interleaved
 * statement by statement, the order rotated every round. Reports each gateway's CPU per statement
 * (read from /proc, idle CPU not subtracted: the runs are short and alike), the client's round trip
 * p50, and the process's RSS idle, after the statements, and its peak (VmHWM).
 *
 *   BENCH_CHECKOUTS=/tmp/a,/tmp/b BENCH_NAMES=a,b ./node_modules/.bin/tsx bench/wasm-tiers.ts
 *     BENCH_STATEMENTS per gateway per round (default 2000), BENCH_ROUNDS (default 3)
 *
 * Prints only: the numbers go to docs/benchmarks.md by hand, with the checkouts' differences.
 */
import { loadavg } from "node:os";
import pg from "pg";
import { createBenchEnv } from "./lib/bench-env";
import { createCleanup } from "./lib/cleanup";
import { spawnGatewayProcess } from "./lib/gateway-process";

const STATEMENTS = Number(process.env.BENCH_STATEMENTS ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/** Typical agent statements over pgbench's tables (index lookups: the upstream's part stays small), each made a shape of its own by a CTE named after `n`. */
const SHAPES = [
  (n: number) => `SELECT aid, abalance FROM pgbench_accounts WHERE aid = ${(n % 100_000) + 1}`,
  (n: number) =>
    `SELECT b.bid, b.bbalance, t.tbalance FROM pgbench_branches b JOIN pgbench_tellers t ON t.bid = b.bid WHERE t.tid = ${(n % 100) + 1}`,
  (n: number) =>
    `SELECT tid, tbalance FROM pgbench_tellers WHERE bid = 1 AND tid > ${n % 10} ORDER BY tid LIMIT 2`,
  (n: number) => `UPDATE pgbench_tellers SET tbalance = tbalance + 0 WHERE tid = ${(n % 100) + 1}`,
];
const statement = (n: number) =>
  `WITH s${n} AS (SELECT 1) ${(SHAPES[n % SHAPES.length] as (n: number) => string)(n)}`;

const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

function p50(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function main() {
  const checkouts = process.env.BENCH_CHECKOUTS?.split(",").filter(Boolean) ?? [];
  const names = process.env.BENCH_NAMES?.split(",") ?? [];
  if (checkouts.length === 0) throw new Error("BENCH_CHECKOUTS: the checkouts whose gateways to compare");
  const cleanup = createCleanup();
  try {
    const env = await createBenchEnv(cleanup);
    type Measured = {
      name: string;
      gateway: Awaited<ReturnType<typeof spawnGatewayProcess>>;
      client: pg.Client;
      idleRss: number;
      cpu: number;
      trips: number[];
    };
    const gateways: Measured[] = [];
    for (const [index, checkout] of checkouts.entries()) {
      const gateway = await spawnGatewayProcess(env, cleanup, { checkout });
      const client = new pg.Client({
        host: "127.0.0.1",
        port: gateway.port,
        user: env.agent.name,
        password: env.agent.token,
        database: env.upstream.database,
      });
      await client.connect();
      cleanup.add(() => client.end());
      await client.query("SELECT 1");
      gateways.push({
        name: names[index] ?? checkout,
        gateway,
        client,
        idleRss: gateway.rss(),
        cpu: 0,
        trips: [] as number[],
      });
    }
    let n = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const order = gateways.map(
        (_, i) => gateways[(i + round) % gateways.length] as (typeof gateways)[number],
      );
      for (let i = 0; i < STATEMENTS; i++) {
        const sql = statement(n++);
        for (const path of order) {
          const cpu = path.gateway.cpuMicros();
          const started = performance.now();
          await path.client.query(sql);
          path.trips.push((performance.now() - started) * 1000);
          path.cpu += path.gateway.cpuMicros() - cpu;
        }
      }
    }
    const total = STATEMENTS * ROUNDS;
    console.log(
      `${total} never-seen statements per gateway, load average ${loadavg()[0]?.toFixed(1)} at the end`,
    );
    console.log("gateway | CPU µs/statement | round trip p50 µs | RSS idle | RSS after | peak RSS");
    for (const path of gateways) {
      const cells = [
        path.name,
        (path.cpu / total).toFixed(1),
        p50(path.trips).toFixed(0),
        mb(path.idleRss),
        mb(path.gateway.rss()),
        mb(path.gateway.peakRss()),
      ];
      console.log(cells.join(" | "));
    }
  } finally {
    await cleanup.run();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
