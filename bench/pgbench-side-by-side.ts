/**
 * pgbench select-only, side by side in one run: direct to PostgreSQL, through pgbouncer (session
 * mode), through Sluice with an allow-all decision point, and through Sluice with the real policy
 * engine and the demo's guardrails. Paths are interleaved per configuration so machine noise hits
 * them alike. Writes the table into docs/benchmarks.md.
 *
 *   ./node_modules/.bin/tsx bench/pgbench-side-by-side.ts      (BENCH_SECONDS, default 8)
 */
import path from "node:path";
import { startGateway } from "../apps/gateway/src/start-gateway";
import { ALLOW_ALL } from "../packages/policy/src/verdict";
import { createBenchEnv } from "./lib/bench-env";
import { describeMachine } from "./lib/machine";
import { table, writeSection } from "./lib/markdown-section";
import { type PgbenchResult, runPgbench } from "./lib/pgbench";
import { startPgbouncer } from "./lib/pgbouncer";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONFIGS = [
  { clients: 1, protocol: "simple" },
  { clients: 1, protocol: "prepared" },
  { clients: 16, protocol: "simple" },
  { clients: 16, protocol: "prepared" },
] as const;
const CLOCK_TICKS_PER_SECOND = 100;

type Row = { config: string; path: string; result: PgbenchResult; cpuMicrosPerTxn: number | null };

async function main() {
  const env = await createBenchEnv();
  const bouncer = await startPgbouncer(env.upstream);
  const log = () => {};
  const common = {
    prisma: env.prisma,
    databaseUrl: env.storeUrl,
    port: 0,
    secretKey: env.secretKey,
    home: env.home,
    isTlsEnabled: false,
    hosts: ["127.0.0.1"],
    log,
  };
  const relayOnly = await startGateway({ ...common, decisions: ALLOW_ALL });
  const withPolicy = await startGateway(common);
  const gatewayUrl = (port: number) => `postgresql://${env.agent.name}@127.0.0.1:${port}/bench`;
  const paths = [
    { name: "direct", url: env.upstream.url, password: env.upstream.password, cpu: null },
    {
      name: "pgbouncer (session)",
      url: `postgresql://bench@127.0.0.1:${bouncer.port}/bench`,
      password: env.upstream.password,
      cpu: "pgbouncer",
    },
    { name: "Sluice, relay only", url: gatewayUrl(relayOnly.port), password: env.agent.token, cpu: "self" },
    {
      name: "Sluice, guardrails on",
      url: gatewayUrl(withPolicy.port),
      password: env.agent.token,
      cpu: "self",
    },
  ] as const;
  const rows: Row[] = [];
  try {
    for (const config of CONFIGS) {
      const label = `-c ${config.clients} ${config.protocol}`;
      for (const target of paths) {
        const cpuBefore = process.cpuUsage();
        const ticksBefore = target.cpu === "pgbouncer" ? bouncer.cpuTicks() : 0;
        const result = await runPgbench({
          url: target.url,
          password: target.password,
          clients: config.clients,
          protocol: config.protocol,
          seconds: SECONDS,
        });
        let cpuMicros: number | null = null;
        if (target.cpu === "self") {
          const used = process.cpuUsage(cpuBefore);
          cpuMicros = used.user + used.system;
        } else if (target.cpu === "pgbouncer") {
          cpuMicros = ((bouncer.cpuTicks() - ticksBefore) / CLOCK_TICKS_PER_SECOND) * 1e6;
        }
        rows.push({
          config: label,
          path: target.name,
          result,
          cpuMicrosPerTxn: cpuMicros === null ? null : cpuMicros / result.transactions,
        });
        console.log(
          `${label.padEnd(16)} ${target.name.padEnd(24)} ${result.tps.toFixed(0).padStart(7)} tps  ${result.latencyMs.toFixed(3)} ms`,
        );
      }
    }
  } finally {
    await relayOnly.close();
    await withPolicy.close();
    await bouncer.stop();
    await env.stop();
  }
  writeSection(
    path.resolve(import.meta.dirname, "../docs/benchmarks.md"),
    "pgbench",
    render(rows, env.pgVersion),
  );
}

function render(rows: Row[], pgVersion: string): string {
  const find = (config: string, name: string) =>
    rows.find((row) => row.config === config && row.path === name)?.result.tps ?? Number.NaN;
  const body = rows.map((row) => [
    row.config,
    row.path,
    row.result.tps.toFixed(0),
    row.result.latencyMs.toFixed(3),
    row.cpuMicrosPerTxn === null ? "–" : row.cpuMicrosPerTxn.toFixed(1),
    (row.result.tps / find(row.config, "direct")).toFixed(2),
    (row.result.tps / find(row.config, "pgbouncer (session)")).toFixed(2),
  ]);
  return `## pgbench select-only: direct vs pgbouncer vs Sluice

${describeMachine(pgVersion)}; scale ${10}, ${SECONDS} s per run, \`pgbench -n -S -M <protocol> -c <n> -j <1|2> -T ${SECONDS}\`,
every path against the same server in one run (\`bench/pgbench-side-by-side.ts\`). "Relay only" uses an allow-all
decision point; "guardrails on" runs the real policy engine (libpg-query parse, cached by statement text) with the
demo's four guardrails for every statement. CPU µs/txn is the gateway process's (or pgbouncer's) user+system
CPU divided by transactions. Target: Sluice at or above pgbouncer's TPS at -c 16 and within 10% of it at -c 1.

${table(["config", "path", "TPS", "mean latency ms", "CPU µs/txn", "× direct", "× pgbouncer"], body)}`;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
