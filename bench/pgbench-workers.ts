/**
 * The gateway on every core, side by side in one run: direct to PostgreSQL, through pgbouncer
 * (session mode), through the Node byte pipe (the floor of any relay in Node, a process of its own),
 * through Sluice with one worker process and with one per core, as `start` runs it (the store's
 * policy: the demo's guardrails plus the demo policy's masking and review rules on pgbench's tables,
 * `BENCH_POLICY=guardrails` for the guardrails alone; recording on), plain and with TLS (sslmode=require). Steady state
 * at -c 1 and -c 16, simple and prepared, and -C (a new connection per transaction), in rounds
 * that interleave every path per configuration; the table gives each path's median and range over
 * the rounds, and the median of the per-round ratios. Records the load average before and after
 * (the machine is shared). Writes docs/benchmarks.md ("workers").
 *
 *   ./node_modules/.bin/tsx bench/pgbench-workers.ts      (BENCH_SECONDS per run, default 6; BENCH_ROUNDS, default 1)
 */
import "../apps/gateway/src/wasm-tiers";
import { availableParallelism, loadavg } from "node:os";
import path from "node:path";
import { startGatewayCluster } from "../apps/gateway/src/gateway-cluster";
import { addDemoShapedPolicy } from "./lib/bench-demo-policy";
import { type BenchEnv, createBenchEnv } from "./lib/bench-env";
import { type Cleanup, createCleanup } from "./lib/cleanup";
import { freePort } from "./lib/free-port";
import { describeMachine } from "./lib/machine";
import { table, writeSection } from "./lib/markdown-section";
import { spawnNodePipeProcess } from "./lib/node-pipe-process";
import { type PgbenchProtocol, type PgbenchResult, type PgbenchRun, runPgbench } from "./lib/pgbench";
import { startPgbouncer } from "./lib/pgbouncer";
import { processCpu } from "./lib/proc-cpu";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
/** demo: what `start` ships (guardrails, masking and review rules); guardrails: the guardrails alone. */
const POLICY = process.env.BENCH_POLICY ?? "demo";
const PIPE = "Node byte pipe (floor)";
const NATIVE = "C relay after handover";
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
  round: number;
  result: PgbenchResult | null;
  cpuPerTxn: number | null;
  error?: string;
};

async function main() {
  const cleanup = createCleanup();
  try {
    const env = await createBenchEnv(cleanup);
    if (POLICY === "demo") await addDemoShapedPolicy(env, "bench");
    else if (POLICY !== "guardrails") throw new Error(`BENCH_POLICY is demo or guardrails, not ${POLICY}`);
    const targets = await startTargets(env, cleanup);
    for (const target of targets) await runPgbench({ ...target, clients: 1, protocol: "simple", seconds: 2 });
    const loadBefore = loadavg();
    const rows: Row[] = [];
    for (let round = 1; round <= ROUNDS; round += 1) {
      console.log(`round ${round}, load average ${loadavg()[0]?.toFixed(1)}`);
      for (const config of CONFIGS) {
        for (const target of targets) rows.push({ ...(await measure(target, config)), round });
      }
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
  const pipe = await spawnNodePipeProcess(env.upstream, cleanup);
  const native = await spawnNodePipeProcess(env.upstream, cleanup, "native");
  return [
    { ...env.upstream, name: DIRECT, cpu: null },
    { ...env.upstream, name: PGBOUNCER, port: bouncer.port, cpu: () => total(bouncer.cpu()) },
    { ...env.upstream, name: PIPE, port: pipe.port, cpu: pipe.cpuMicros },
    { ...env.upstream, name: NATIVE, port: native.port, cpu: native.cpuMicros },
    await sluice(1),
    ...(cores > 1 ? [await sluice(cores)] : []),
    await sluice(cores, true),
  ];
}

async function measure(target: Target, config: Config): Promise<Omit<Row, "round">> {
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
  const measured = (row: Row | undefined) =>
    row?.result
      ? row.config.isConnectPerTransaction
        ? (row.result.connectMs ?? Number.NaN)
        : row.result.tps
      : Number.NaN;
  for (const config of CONFIGS) {
    const mine = rows.filter((row) => row.config === config);
    for (const target of [...new Set(mine.map((row) => row.target))]) {
      const runs = mine.filter((row) => row.target === target);
      const inRound = (name: string, round: number) =>
        mine.find((row) => row.target === name && row.round === round);
      const ratios = (name: string) =>
        runs
          .map((row) => measured(row) / measured(inRound(name, row.round)))
          .filter((ratio) => Number.isFinite(ratio));
      const cpu = runs.flatMap((row) => (row.cpuPerTxn !== null ? [row.cpuPerTxn] : []));
      const pipeCpu = ratiosOf(
        runs.map((row) => [row.cpuPerTxn, inRound(PIPE, row.round)?.cpuPerTxn ?? null] as const),
      );
      const failed = runs.filter((row) => !row.result);
      lines.push([
        label(config),
        target,
        spread(
          runs.flatMap((row) => (row.result ? [row.result.tps] : [])),
          0,
        ) + (failed.length > 0 ? ` (${failed.length} failed: ${failed[0]?.error ?? ""})` : ""),
        config.isConnectPerTransaction
          ? spread(
              runs.flatMap((row) => (row.result?.connectMs !== undefined ? [row.result.connectMs] : [])),
              2,
            )
          : "–",
        cpu.length > 0 ? spread(cpu, 1) : "–",
        spread(ratios(DIRECT), 2),
        spread(ratios(PGBOUNCER), 2),
        target === PIPE || pipeCpu.length === 0 ? "–" : spread(pipeCpu, 2),
      ]);
    }
  }
  return [
    "## The gateway on every core: direct vs pgbouncer vs the Node byte pipe vs Sluice, 1 worker and N",
    "",
    `${machine}. \`bench/pgbench-workers.ts\`, ${ROUNDS} round${ROUNDS === 1 ? "" : "s"} of ${SECONDS} s per run, pgbench -S (select-only), scale 10;`,
    "in each round every path runs each configuration in turn (interleaved), so the machine's drift hits them alike.",
    "Sluice runs as `start` runs it (`startGatewayCluster`: worker processes sharing one listening socket,",
    `the store's policy with ${POLICY === "demo" ? "the demo's guardrails and the demo policy's masking and review rules on pgbench's tables (`bench/lib/bench-demo-policy.ts`)" : "the demo's guardrails alone"},`,
    "recording on), plain and with TLS (`sslmode=require`;",
    "direct, pgbouncer and the pipe are plain). The Node byte pipe is a process of its own that copies bytes",
    "and understands nothing (`bench/lib/node-pipe.ts`): the floor of any relay written in Node. The C relay after",
    "handover is the floor of the native data plane `docs/data-path-proposal.md` proposes: Node accepts and connects,",
    "then hands both sockets to an epoll thread in C that copies bytes (`bench/lib/native-relay/relay.c`). Each cell is",
    "the median over the rounds with the range in brackets; ratio columns are the median of each round's",
    "ratio, comparing TPS for steady state and the average connection time for -C (lower is better there).",
    "CPU µs/txn sums the worker processes' (or pgbouncer's, or the pipe's) user+system time over the run.",
    `Load average (1, 5, 15 min) before the runs ${averages(load.before)}, after ${averages(load.after)}.`,
    "",
    table(
      ["config", "path", "TPS", "connect ms (-C)", "CPU µs/txn", "× direct", "× pgbouncer", "CPU × pipe"],
      lines,
    ),
  ].join("\n");
}

/** Each pair's first over its second, where both are known. */
function ratiosOf(pairs: (readonly [number | null, number | null])[]): number[] {
  return pairs.flatMap(([mine, base]) => (mine !== null && base !== null && base > 0 ? [mine / base] : []));
}

/** The median of `values`, with their range when there is more than one. */
function spread(values: number[], digits: number): string {
  if (values.length === 0) return "–";
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2
      ? (sorted[middle] as number)
      : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  if (sorted.length === 1) return median.toFixed(digits);
  return `${median.toFixed(digits)} (${(sorted[0] as number).toFixed(digits)}–${(sorted.at(-1) as number).toFixed(digits)})`;
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
