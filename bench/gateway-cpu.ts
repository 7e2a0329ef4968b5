/**
 * The gateway's own CPU per connect and per transaction, which a loaded machine does not hide: the
 * gateway runs in a process of its own with the process settings `start` gives it
 * (`lib/gateway-process.ts`), its CPU is read from /proc, and the Node byte pipe (the floor for any
 * relay in Node) runs the same way in a process of its own. With BENCH_BASELINE=<another checkout>
 * that checkout's gateway runs too, interleaved round by round, so before/after is side by side.
 *
 *   ./node_modules/.bin/tsx bench/gateway-cpu.ts
 *     BENCH_ROUNDS (default 3), BENCH_SECONDS per pgbench run (default 5), CONNECTS per round (default 200),
 *     BENCH_BASELINE=/path/to/checkout[,another] (BENCH_BASELINE_NAME: their names in the table, comma-separated), BENCH_CPU_PROFILE=dir (this tree's gateway writes a .cpuprofile),
 *     BENCH_MEASURES=connect,prepared,simple (connect: direct, then each gateway plain and TLS), BENCH_WRITE_DOCS=0 (print only; default: the "gateway-cpu" section),
 *     BENCH_WARMUP_SECONDS (pgbench per path and protocol before the first round, default 3),
 *     BENCH_POLICY=demo|guardrails (the demo's masking and review rules besides the guardrails, or the guardrails alone; demo by default),
 *     BENCH_CLIENTS (pgbench -c of the steady runs, default 16), BENCH_RATES=2000,6000 (pgbench -R: each steady run paced at each rate, so every path does the same
 *     transactions per second; at a low rate each message wakes the process on its own, which costs more
 *     per transaction than a saturated run, and a process's per-second work weighs more)
 */
import "../apps/gateway/src/wasm-tiers";
import { loadavg } from "node:os";
import nodePath from "node:path";
import pg from "pg";
import { addDemoShapedPolicy } from "./lib/bench-demo-policy";
import { type BenchEnv, createBenchEnv } from "./lib/bench-env";
import { createCleanup } from "./lib/cleanup";
import { spawnGatewayProcess } from "./lib/gateway-process";
import { describeMachine } from "./lib/machine";
import { table, writeSection } from "./lib/markdown-section";
import { spawnNodePipeProcess } from "./lib/node-pipe-process";
import { type PgbenchProtocol, runPgbench, threadsFor } from "./lib/pgbench";
import { processCpu, processSyscalls } from "./lib/proc-cpu";

const REPORT = nodePath.resolve(import.meta.dirname, "../docs/benchmarks.md");
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTS = Number(process.env.CONNECTS ?? 200);
/** Connects per gateway, plain and TLS, before the first round. */
const CONNECT_WARMUP = 50;
/** Which measures run (comma-separated): connect, prepared, simple; all by default. */
const MEASURES = new Set((process.env.BENCH_MEASURES ?? "connect,prepared,simple").split(","));
/** Seconds of pgbench per path and protocol before the first round; 3 by default. */
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
/** pgbench's clients in the steady runs (-c); 16 by default. */
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16);
/** pgbench -R rates (transactions per second, all clients); unpaced when unset. */
const RATES: (number | undefined)[] = process.env.BENCH_RATES
  ? process.env.BENCH_RATES.split(",").map(Number)
  : [undefined];

/**
 * `demo` (the default): the demo policy's shape, masking and review rules besides the guardrails, as
 * `start` ships it (`lib/bench-demo-policy.ts`); `guardrails`: the guardrails alone, as before.
 */
const POLICY = process.env.BENCH_POLICY ?? "demo";

const PIPE = "Node byte pipe (floor)";
const DIRECT = "direct (PostgreSQL, plain)";

type Path = {
  name: string;
  port: number;
  pid: number;
  user: string;
  password: string;
  cpuMicros: () => number;
};
/** `median`: a connect measure's median connect ms (its × direct is a ratio of these). */
type Sample = { path: string; measure: string; value: number; extra: string; median?: number };

async function main() {
  const cleanup = createCleanup();
  try {
    const env = await createBenchEnv(cleanup);
    await env.prisma.connection.update({ where: { name: "bench" }, data: { poolSize: 20 } });
    if (POLICY === "demo") await addDemoShapedPolicy(env, "bench");
    else if (POLICY !== "guardrails") throw new Error(`BENCH_POLICY is demo or guardrails, not ${POLICY}`);
    const paths = await startPaths(env, cleanup);
    const samples: Sample[] = [];
    // Warm every path on what it will run: under the demo's masking rules a gateway's first
    // seconds read catalogs and compile its hot paths (a 1 s warm-up left its first round 3-4x dearer).
    for (const path of paths) {
      await runPgbench({ ...pgbenchTarget(env, path), clients: 1, protocol: "simple", seconds: 1 });
      // The first TLS handshakes and logins compile their code paths: not what a round measures.
      if (MEASURES.has("connect") && path.name !== PIPE) {
        for (const ssl of [false, { rejectUnauthorized: false }])
          await timedConnects({ ...pgbenchTarget(env, path), ssl }, CONNECT_WARMUP);
      }
      for (const protocol of (["prepared", "simple"] as const).filter((name) => MEASURES.has(name))) {
        // On a loaded machine 16 first logins can outlast a short run: a warm-up is not a measure.
        await runPgbench({
          ...pgbenchTarget(env, path),
          clients: CLIENTS,
          protocol,
          seconds: WARMUP_SECONDS,
        }).catch((error: unknown) =>
          console.log(`  warm-up of ${path.name} (${protocol}) ran nothing: ${String(error).split("\n")[0]}`),
        );
      }
    }
    const loads: number[] = [];
    for (let round = 1; round <= ROUNDS; round += 1) {
      loads.push(loadavg()[0] ?? 0);
      console.log(
        `round ${round}, load average ${loadavg()
          .map((load) => load.toFixed(1))
          .join(" ")}`,
      );
      if (MEASURES.has("connect")) {
        // Direct first, then each gateway plain and with TLS: × direct compares within the round.
        samples.push(await directConnects(env));
        for (const isTls of [false, true]) {
          for (const path of paths) if (path.name !== PIPE) samples.push(await connectCpu(env, path, isTls));
        }
      }
      for (const protocol of (["prepared", "simple"] as const).filter((name) => MEASURES.has(name))) {
        for (const rate of RATES) {
          for (const path of paths) samples.push(await steadyCpu(env, path, protocol, rate));
        }
      }
    }
    const body = report(samples, describeMachine(env.pgVersion), loads);
    if (process.env.BENCH_WRITE_DOCS !== "0") writeSection(REPORT, "gateway-cpu", body);
    console.log(body);
    for (const path of paths) await (path as Path & { stop?: () => Promise<void> }).stop?.();
  } finally {
    await cleanup.run();
  }
}

async function startPaths(env: BenchEnv, cleanup: ReturnType<typeof createCleanup>): Promise<Path[]> {
  const sluice = async (name: string, checkout?: string) => {
    const gateway = await spawnGatewayProcess(env, cleanup, {
      ...(checkout ? { checkout } : { cpuProfileDir: process.env.BENCH_CPU_PROFILE }),
      // Plaintext clients never ask for it; the TLS connects do.
      isTlsEnabled: true,
    });
    return { ...gateway, name, user: env.agent.name, password: env.agent.token };
  };
  const pipe = await spawnNodePipeProcess(env.upstream, cleanup);
  const paths: Path[] = [
    {
      name: PIPE,
      port: pipe.port,
      pid: pipe.pid,
      user: env.upstream.user,
      password: env.upstream.password,
      cpuMicros: pipe.cpuMicros,
    },
    await sluice("Sluice (this tree)"),
  ];
  // Several baselines (comma-separated) measure a branch's changes one by one in the same rounds.
  const baselines = process.env.BENCH_BASELINE?.split(",").filter(Boolean) ?? [];
  const names = process.env.BENCH_BASELINE_NAME?.split(",") ?? [];
  for (const [index, baseline] of baselines.entries())
    paths.push(await sluice(`Sluice (${names[index] ?? baseline})`, baseline));
  return paths;
}

function pgbenchTarget(env: BenchEnv, path: Path) {
  return {
    host: "127.0.0.1",
    port: path.port,
    user: path.user,
    password: path.password,
    database: env.upstream.database,
  };
}

/** How long the idle process is measured before each run: its timers, polls and flushes. */
const IDLE_MS = 2000;

/**
 * CPU (µs) the process spends per millisecond with no client: subtracted from a run's CPU, so that a
 * run the loaded machine slows down is not charged for the background work of its longer wall time.
 */
async function idleCpuPerMs(path: Path): Promise<number> {
  const before = path.cpuMicros();
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  return Math.max(0, path.cpuMicros() - before) / (performance.now() - started);
}

/** Sequential connect + SELECT 1 + end, as an agent connecting per tool call does; the median ms. */
async function timedConnects(config: pg.ClientConfig, count = CONNECTS): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const started = performance.now();
    const client = new pg.Client(config);
    await client.connect();
    await client.query("SELECT 1");
    await client.end();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

/** The same connects straight to PostgreSQL (plaintext): the connect time the gateway's are compared with. */
async function directConnects(env: BenchEnv): Promise<Sample> {
  const { host, port, user, password, database } = env.upstream;
  const median = await timedConnects({ host, port, user, password, database });
  console.log(`  connect   ${DIRECT.padEnd(40)} median ${median.toFixed(2)} ms`);
  return { path: DIRECT, measure: "connect", value: Number.NaN, extra: median.toFixed(2), median };
}

/** The gateway's CPU per connect (plaintext or TLS, sslmode=require), its system calls and median ms. */
async function connectCpu(env: BenchEnv, path: Path, isTls: boolean): Promise<Sample> {
  const idlePerMs = await idleCpuPerMs(path);
  const before = path.cpuMicros();
  const callsBefore = processSyscalls(path.pid);
  const started = performance.now();
  const median = await timedConnects({
    host: "127.0.0.1",
    port: path.port,
    user: path.user,
    password: path.password,
    database: env.upstream.database,
    // The gateway's certificate is its own throwaway CA's: encryption is what is measured, not trust.
    ssl: isTls ? { rejectUnauthorized: false } : false,
  });
  const cpu = (path.cpuMicros() - before - idlePerMs * (performance.now() - started)) / CONNECTS;
  const calls = processSyscalls(path.pid);
  const perConnect = (now: number, then: number) => ((now - then) / CONNECTS).toFixed(1);
  const measure = isTls ? "connect TLS" : "connect";
  console.log(
    `  ${measure.padEnd(9)} ${path.name.padEnd(40)} ${cpu.toFixed(0)} µs CPU/connect, median ${median.toFixed(2)} ms, ${perConnect(calls.reads, callsBefore.reads)} reads + ${perConnect(calls.writes, callsBefore.writes)} writes per connect`,
  );
  return { path: path.name, measure, value: cpu, extra: median.toFixed(2), median };
}

async function steadyCpu(
  env: BenchEnv,
  path: Path,
  protocol: PgbenchProtocol,
  rate: number | undefined,
): Promise<Sample> {
  const idlePerMs = await idleCpuPerMs(path);
  const before = path.cpuMicros();
  const started = performance.now();
  const callsBefore = processSyscalls(path.pid);
  const splitBefore = processCpu(path.pid);
  const result = await runPgbench({
    ...pgbenchTarget(env, path),
    clients: CLIENTS,
    protocol,
    seconds: SECONDS,
    ...(rate ? { rate } : {}),
  });
  const busy = path.cpuMicros() - before - idlePerMs * (performance.now() - started);
  const cpu = busy / result.transactions;
  const calls = processSyscalls(path.pid);
  const split = processCpu(path.pid);
  const perTxn = (now: number, then: number) => ((now - then) / result.transactions).toFixed(2);
  const syscalls = `${perTxn(calls.reads, callsBefore.reads)} reads + ${perTxn(calls.writes, callsBefore.writes)} writes per txn`;
  // The kernel's share (system) against the process's own (user), idle time not subtracted: which
  // side of the system calls a difference between paths is on.
  const userSystem = `user ${perTxn(split.user, splitBefore.user)} + system ${perTxn(split.system, splitBefore.system)} µs/txn`;
  const measure = `-c ${CLIENTS} ${protocol}${rate ? ` -R ${rate}` : ""}`;
  console.log(
    `  ${measure.padEnd(24)} ${path.name.padEnd(40)} ${cpu.toFixed(1)} µs CPU/txn, ${result.tps.toFixed(0)} tps, ${syscalls}, ${userSystem}`,
  );
  return { path: path.name, measure, value: cpu, extra: result.tps.toFixed(0) };
}

/** Rounds' values side by side, and the spread (smallest–largest) a loaded machine gives them. */
function report(samples: Sample[], machine: string, loads: number[]): string {
  const keys = [...new Set(samples.map((sample) => `${sample.measure}|${sample.path}`))];
  const rows = keys.map((key) => {
    const [measure = "", path = ""] = key.split("|");
    const mine = samples.filter((sample) => sample.measure === measure && sample.path === path);
    const values = mine.map((sample) => sample.value);
    const isConnect = measure.startsWith("connect");
    // A connect's median time over direct's in the same round; a transaction's CPU over the pipe's.
    const reference = isConnect
      ? samples.filter((sample) => sample.path === DIRECT)
      : samples.filter((sample) => sample.measure === measure && sample.path === PIPE);
    const ratios =
      reference.length === mine.length
        ? mine.map((sample, i) =>
            isConnect
              ? (sample.median ?? Number.NaN) / (reference[i]?.median ?? Number.NaN)
              : sample.value / (reference[i]?.value ?? Number.NaN),
          )
        : [];
    const isMeasured = values.every((value) => !Number.isNaN(value));
    return [
      measure,
      path,
      isMeasured ? values.map((value) => value.toFixed(1)).join(", ") : "–",
      isMeasured ? `${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)}` : "–",
      ratios.map((ratio) => ratio.toFixed(2)).join(", ") || "–",
      mine.map((sample) => sample.extra).join(", "),
    ];
  });
  return [
    "## The gateway's own CPU per connect and per transaction",
    "",
    `${machine}. \`bench/gateway-cpu.ts\`, ${ROUNDS} rounds, paths interleaved in each round: ${CONNECTS} sequential`,
    "connect + `SELECT 1` + disconnect (pg, pooled upstream logins) directly, then through each gateway plain and with TLS",
    `(sslmode=require; × direct is the median connect time over direct's in the round), then pgbench -S -c ${CLIENTS} -j ${threadsFor(CLIENTS)} for`,
    `${SECONDS} s per protocol. Sluice runs as \`start\` runs it (a process of its own, the store's policy with the`,
    `${POLICY === "demo" ? "demo's guardrails and the demo policy's masking and review rules on pgbench's tables, columns pgbench does not read" : "demo's guardrails"}, recording on), the Node byte pipe likewise;`,
    "CPU is each process's user+system time",
    "from /proc (every thread: the event loop, the thread pool's compression, the garbage collector), less",
    `what the idle process used in the ${IDLE_MS / 1000} s before the run over the run's wall time (its timers and polls).`,
    `Load average (1 min) at the start of each round: ${loads.map((load) => load.toFixed(1)).join(", ")}.`,
    "",
    table(
      [
        "measure",
        "path",
        "CPU µs per connect or txn, each round",
        "spread",
        "× pipe (txn) or × direct (connect), each round",
        "median connect ms or TPS, each round",
      ],
      rows,
    ),
  ].join("\n");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
