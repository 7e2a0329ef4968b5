/**
 * The gateway on every core, side by side in one run: direct to PostgreSQL, through pgbouncer
 * (session mode), through Sluice with one worker process and with one per core, as `start` runs it
 * (the store's policy: the demo's guardrails; recording on), plain and with TLS (sslmode=require).
 * Steady state at -c 1 and -c 16, simple and prepared, and -C (a new connection per transaction).
 * Records the load average before and after (the machine is shared). Writes docs/benchmarks.md
 * ("workers").
 *
 *   ./node_modules/.bin/tsx bench/pgbench-workers.ts      (BENCH_SECONDS per run, default 6)
 */
import "../apps/gateway/src/wasm-baseline-only";
import { availableParallelism, loadavg } from "node:os";
import path from "node:path";
import { startGatewayCluster } from "../apps/gateway/src/gateway-cluster";
import { type BenchEnv, createBenchEnv } from "./lib/bench-env";
import { type Cleanup, createCleanup } from "./lib/cleanup";
import { freePort } from "./lib/free-port";
import { describeMachine } from "./lib/machine";
import { table, writeSection } from "./lib/markdown-section";
import { type PgbenchProtocol, type PgbenchResult, type PgbenchRun, runPgbench } from "./lib/pgbench";
import { startPgbouncer } from "./lib/pgbouncer";
import { processCpu } from "./lib/proc-cpu";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const REPORT = path.resolve(import.meta.dirname, "../docs/benchmarks.md");
const DIRECT = "direct";
const PGBOUNCER = "pgbouncer (session)";

type Config = { clients: number; protocol: PgbenchProtocol; isConnectPerTransaction: boolean };
const CONFIGS: Config[] = [
  { clients: 1, protocol: "simple", isConnectPerTransaction: false },
  { clients: 1, protocol: "prepared", isConnectPerTransaction: false },
  { clients: 16, protocol: "simple", isConnectPerTransaction: false },
  { clients: 16, protocol: "prepared", isConnectPerTransaction: false },
  { clients: 4, protocol: "simple", isConnectPerTransaction: true },
];

type Target = Omit<PgbenchRun, "clients" | "protocol" | "seconds"> & {
  name: string;
  /** CPU (µs) used so far by the processes doing the relaying; null for direct. */
  cpu: (() => number) | null;
};
type Row = {
  config: Config;
  target: string;
  result: PgbenchResult | null;
  cpuPerTxn: number | null;
  error?: string;
};

async function main() {
  const cleanup = createCleanup();
  try {
    const env = await createBenchEnv(cleanup);
    const targets = await startTargets(env, cleanup);
    for (const target of targets) await runPgbench({ ...target, clients: 1, protocol: "simple", seconds: 2 });
    const loadBefore = loadavg();
    const rows: Row[] = [];
    for (const config of CONFIGS) {
      for (const target of targets) rows.push(await measure(target, config));
    }
    const load = { before: loadBefore, after: loadavg() };
    writeSection(REPORT, "workers", render(rows, describeMachine(env.pgVersion), load));
    console.log(`wrote ${REPORT}`);
  } finally {
    await cleanup.run();
  }
}

async function startTargets(env: BenchEnv, cleanup: Cleanup): Promise<Target[]> {
  const bouncer = await startPgbouncer(env.upstream);
  cleanup.add(bouncer.stop);
  const sluice = async (workers: number, isTls = false): Promise<Target> => {
    // A port of its own: clusters in one process asking for port 0 would share one listening socket.
    const cluster = await startGatewayCluster({
      databaseUrl: env.storeUrl,
      port: await freePort(),
      secretKey: env.secretKey,
      home: env.home,
      isTlsEnabled: isTls,
      hosts: ["127.0.0.1"],
      reviewWebhook: null,
      consoleUrl: null,
      workers,
      log: () => {},
    });
    cleanup.add(cluster.close);
    return {
      host: "127.0.0.1",
      port: cluster.port,
      user: env.agent.name,
      password: env.agent.token,
      database: env.upstream.database,
      name: `Sluice, ${workers} worker${workers === 1 ? "" : "s"}${isTls ? ", TLS" : ""}`,
      ...(isTls ? { sslMode: "require" as const } : {}),
      cpu: () => cluster.workerPids().reduce((sum, pid) => sum + cpuOf(pid), 0),
    };
  };
  const cores = availableParallelism();
  return [
    { ...env.upstream, name: DIRECT, cpu: null },
    { ...env.upstream, name: PGBOUNCER, port: bouncer.port, cpu: () => total(bouncer.cpu()) },
    await sluice(1),
    ...(cores > 1 ? [await sluice(cores)] : []),
    await sluice(cores, true),
  ];
}

async function measure(target: Target, config: Config): Promise<Row> {
  const before = target.cpu?.() ?? 0;
  try {
    const result = await runPgbench({ ...target, ...config, seconds: SECONDS });
    const cpuPerTxn = target.cpu ? (target.cpu() - before) / result.transactions : null;
    console.log(`${label(config).padEnd(18)} ${target.name.padEnd(22)} ${result.tps.toFixed(0)} tps`);
    return { config, target: target.name, result, cpuPerTxn };
  } catch (error) {
    const full = error instanceof Error ? error.message : String(error);
    console.error(`${label(config)} ${target.name}: ${full}`);
    const message = full.split("\n")[0] ?? "";
    return { config, target: target.name, result: null, cpuPerTxn: null, error: message };
  }
}

type Load = { before: number[]; after: number[] };

function render(rows: Row[], machine: string, load: Load): string {
  const averages = (values: number[]) => values.map((value) => value.toFixed(1)).join(", ");
  const lines: string[][] = [];
  for (const row of rows) {
    const same = rows.filter((other) => other.config === row.config);
    const of = (name: string) => same.find((other) => other.target === name)?.result ?? null;
    const value = (result: PgbenchResult | null) =>
      result
        ? row.config.isConnectPerTransaction
          ? (result.connectMs ?? Number.NaN)
          : result.tps
        : Number.NaN;
    const mine = value(row.result);
    const ratio = (base: number) => (Number.isFinite(mine) && base > 0 ? (mine / base).toFixed(2) : "–");
    lines.push([
      label(row.config),
      row.target,
      row.result ? row.result.tps.toFixed(0) : `failed: ${row.error ?? ""}`,
      row.result?.connectMs !== undefined ? row.result.connectMs.toFixed(2) : "–",
      row.cpuPerTxn !== null ? row.cpuPerTxn.toFixed(1) : "–",
      ratio(value(of(DIRECT))),
      ratio(value(of(PGBOUNCER))),
    ]);
  }
  return [
    "## The gateway on every core: direct vs pgbouncer vs Sluice, 1 worker and N",
    "",
    `${machine}. \`bench/pgbench-workers.ts\`, ${SECONDS} s per run, pgbench -S (select-only), scale 10, one run.`,
    "Sluice runs as `start` runs it (`startGatewayCluster`: worker processes sharing one listening socket,",
    "the store's policy with the demo's guardrails, recording on), plain and with TLS (`sslmode=require`;",
    "direct and pgbouncer are plain). The ratio columns compare TPS for steady state and the average",
    "connection time for -C (lower is better there). CPU µs/txn sums the worker processes' (or",
    "pgbouncer's) user+system time over the run.",
    `Load average (1, 5, 15 min) before the runs ${averages(load.before)}, after ${averages(load.after)}.`,
    "",
    table(["config", "path", "TPS", "connect ms (-C)", "CPU µs/txn", "× direct", "× pgbouncer"], lines),
  ].join("\n");
}

function label(config: Config): string {
  return `${config.isConnectPerTransaction ? "-C " : ""}-c ${config.clients} ${config.protocol}`;
}

function cpuOf(pid: number): number {
  try {
    return total(processCpu(pid));
  } catch {
    return 0; // a worker that exited mid-run: the row's CPU is then a lower bound
  }
}

function total(times: { user: number; system: number }): number {
  return times.user + times.system;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
