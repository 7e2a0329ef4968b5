/**
 * pgbench select-only, side by side in one run: direct to PostgreSQL, through pgbouncer (session
 * mode), through a bare Node byte pipe (the runtime's floor), through Sluice with an allow-all
 * decision point, and through Sluice with the real policy engine and the demo's guardrails. Writes the table into docs/benchmarks.md.
 *
 *   ./node_modules/.bin/tsx bench/pgbench-side-by-side.ts      (BENCH_SECONDS per run, default 10)
 */
// As the gateway runs: WebAssembly on the baseline compiler only.
import "../apps/gateway/src/wasm-tiers";
import path from "node:path";
import { ALLOW_ALL, type DecisionPoint } from "../packages/policy/src/verdict";
import { BENCH_SCALE, type BenchEnv, createBenchEnv } from "./lib/bench-env";
import { startBenchGateway } from "./lib/bench-gateway";
import { createCleanup } from "./lib/cleanup";
import { describeMachine } from "./lib/machine";
import { writeSection } from "./lib/markdown-section";
import { startNodePipe } from "./lib/node-pipe";
import { type PgbenchRun, pgbenchArgs, runPgbench } from "./lib/pgbench";
import { DIRECT, label, type Measurement, NODE_PIPE, PGBOUNCER, renderReport } from "./lib/pgbench-report";
import { startPgbouncer } from "./lib/pgbouncer";
import { type CpuTimes, selfCpu } from "./lib/proc-cpu";

const SECONDS = readSeconds();
/** One untimed run per path first, so the first measured configuration is not the one paying for JIT. */
const WARM_UP_SECONDS = 5;
const CLIENTS = [1, 16];
const PROTOCOLS = ["simple", "extended", "prepared"] as const;
const REPORT = path.resolve(import.meta.dirname, "../docs/benchmarks.md");

type Target = Omit<PgbenchRun, "clients" | "protocol" | "seconds"> & {
  name: string;
  /** CPU used so far by the process doing the relaying; null for direct (nothing in between). */
  cpu: (() => CpuTimes) | null;
};

async function main() {
  const cleanup = createCleanup();
  try {
    const env = await createBenchEnv(cleanup);
    const targets = await startTargets(env, cleanup);
    const { signal } = cleanup;
    for (const target of targets) {
      await runPgbench({ ...target, clients: 1, protocol: "simple", seconds: WARM_UP_SECONDS, signal });
    }
    const rows: Measurement[] = [];
    for (const clients of CLIENTS) {
      for (const protocol of PROTOCOLS) {
        for (const target of targets) rows.push(await measure(target, { clients, protocol }, signal));
      }
    }
    const sample = { clients: 1, protocol: "simple", seconds: SECONDS } as const;
    const commands = [
      `PGPASSWORD=<bench password> ${env.initCommand}   # once, directly`,
      ...targets.map((t) => {
        const secret = t.user === env.upstream.user ? "<bench password>" : "<agent token>";
        return `PGPASSWORD=${secret} pgbench ${pgbenchArgs({ ...t, ...sample }).join(" ")}   # ${t.name}`;
      }),
    ];
    const facts = { machine: describeMachine(env.pgVersion), seconds: SECONDS, scale: BENCH_SCALE, commands };
    const pgbouncerSettings = targets.find((t) => t.name === PGBOUNCER)?.settings ?? "";
    writeSection(REPORT, "pgbench", renderReport(rows, { ...facts, pgbouncerSettings }));
    console.log(`wrote ${REPORT}`);
    if (rows.some((row) => "error" in row.outcome)) process.exitCode = 1;
  } finally {
    await cleanup.run();
  }
}

/** pgbouncer and two in-process gateways in front of the bench database, in the order they run. */
async function startTargets(env: BenchEnv, cleanup: ReturnType<typeof createCleanup>) {
  const bouncer = await startPgbouncer(env.upstream);
  cleanup.add(bouncer.stop);
  const pipe = await startNodePipe(env.upstream);
  cleanup.add(pipe.stop);
  const gateway = async (decisions: DecisionPoint | undefined) =>
    (await startBenchGateway(env, cleanup, decisions)).port;
  const viaSluice = { host: "127.0.0.1", user: env.agent.name, database: env.upstream.database };
  const agent = { ...viaSluice, password: env.agent.token, cpu: selfCpu };
  const targets: (Target & { settings?: string })[] = [
    { ...env.upstream, name: DIRECT, cpu: null },
    {
      ...env.upstream,
      name: PGBOUNCER,
      port: bouncer.port,
      cpu: bouncer.cpu,
      settings: bouncer.settings,
    },
    { ...env.upstream, name: NODE_PIPE, port: pipe.port, cpu: selfCpu },
    { ...agent, name: "Sluice, relay only", port: await gateway(ALLOW_ALL) },
    // No decision point given: the gateway builds its own from the store's policy, as in production.
    { ...agent, name: "Sluice, guardrails on", port: await gateway(undefined) },
  ];
  return targets;
}

/** A failed run becomes a row (the table shows it); an interrupted one ends the benchmark. */
async function measure(
  target: Target,
  config: Measurement["config"],
  signal: AbortSignal,
): Promise<Measurement> {
  signal.throwIfAborted();
  const cpuBefore = target.cpu?.() ?? { user: 0, system: 0 };
  try {
    const result = await runPgbench({ ...target, ...config, seconds: SECONDS, signal });
    const cpuAfter = target.cpu?.() ?? null;
    const cpuPerTxn =
      cpuAfter === null
        ? null
        : {
            user: (cpuAfter.user - cpuBefore.user) / result.transactions,
            system: (cpuAfter.system - cpuBefore.system) / result.transactions,
          };
    console.log(
      `${label(config).padEnd(16)} ${target.name.padEnd(24)} ${result.tps.toFixed(0).padStart(7)} tps  ${result.latencyMs.toFixed(3)} ms  ${cpuPerTxn ? `${(cpuPerTxn.user + cpuPerTxn.system).toFixed(1)} (user ${cpuPerTxn.user.toFixed(1)})` : "–"} µs/txn`,
    );
    return { config, path: target.name, outcome: { result, cpuPerTxn } };
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    const message = error instanceof Error ? error.message : String(error);
    console.error(`${label(config)} ${target.name}: ${message}`);
    return { config, path: target.name, outcome: { error: message.split("\n").slice(0, 4).join(" ") } };
  }
}

function readSeconds(): number {
  const seconds = Number(process.env.BENCH_SECONDS ?? 10);
  if (!Number.isInteger(seconds) || seconds < 1) throw new Error("BENCH_SECONDS must be a whole number ≥ 1");
  return seconds;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
