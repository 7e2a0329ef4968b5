import { table } from "./markdown-section";
import type { PgbenchProtocol, PgbenchResult } from "./pgbench";
import type { CpuTimes } from "./proc-cpu";

export type BenchConfig = { clients: number; protocol: PgbenchProtocol };

export type Measurement = {
  config: BenchConfig;
  path: string;
  /** The error text when pgbench failed or aborted on this path. */
  outcome: { result: PgbenchResult; cpuPerTxn: CpuTimes | null } | { error: string };
};

export type ReportFacts = {
  machine: string;
  seconds: number;
  scale: number;
  pgbouncerSettings: string;
  /** One exact pgbench command per path, in the order they ran within each configuration. */
  commands: string[];
};

export const DIRECT = "direct";
export const PGBOUNCER = "pgbouncer (session)";
export const NODE_PIPE = "Node byte pipe (floor)";

/** At -c 16 Sluice should match pgbouncer; at -c 1, where the extra hop shows most, come within 10%. */
const TARGET_RATIO = (clients: number) => (clients === 1 ? 0.9 : 1);

export const label = (config: BenchConfig) => `-c ${config.clients} ${config.protocol}`;

export function renderReport(rows: Measurement[], facts: ReportFacts): string {
  const tps = (config: BenchConfig, path: string) => {
    const row = rows.find((r) => label(r.config) === label(config) && r.path === path);
    return row && "result" in row.outcome ? row.outcome.result.tps : Number.NaN;
  };
  const ratio = (value: number, base: number) =>
    Number.isFinite(value / base) ? (value / base).toFixed(2) : "–";
  const body = rows.map((row) => {
    if ("error" in row.outcome) return [label(row.config), row.path, "failed", "–", "–", "–", "–", "–"];
    const { result, cpuPerTxn } = row.outcome;
    return [
      label(row.config),
      row.path,
      result.tps.toFixed(0),
      result.latencyMs.toFixed(3),
      cpuPerTxn === null ? "–" : (cpuPerTxn.user + cpuPerTxn.system).toFixed(1),
      cpuPerTxn === null ? "–" : cpuPerTxn.user.toFixed(1),
      ratio(result.tps, tps(row.config, DIRECT)),
      ratio(result.tps, tps(row.config, PGBOUNCER)),
    ];
  });
  const sluicePaths = [...new Set(rows.map((row) => row.path))].filter(
    (p) => p.startsWith("Sluice") || p === NODE_PIPE,
  );
  const configs = [...new Map(rows.map((row) => [label(row.config), row.config])).values()];
  const targets = configs.map((config) => [
    label(config),
    `≥ ${TARGET_RATIO(config.clients).toFixed(2)}`,
    ...sluicePaths.map((p) => {
      const value = tps(config, p) / tps(config, PGBOUNCER);
      if (!Number.isFinite(value)) return "failed";
      return `${value.toFixed(2)} ${value >= TARGET_RATIO(config.clients) ? "met" : "not met"}`;
    }),
  ]);
  const failures = rows.flatMap((row) =>
    "error" in row.outcome ? [`- ${label(row.config)}, ${row.path}: ${row.outcome.error}`] : [],
  );
  return `## pgbench select-only: direct vs pgbouncer vs Sluice

${facts.machine}.

Every path reaches the same server in one run of \`bench/pgbench-side-by-side.ts\`, interleaved per configuration
(direct, pgbouncer, then Sluice) so machine noise hits them alike; scale ${facts.scale}, ${facts.seconds} s per run.
pgbouncer runs in session mode (${facts.pgbouncerSettings}). "Relay only" gives the gateway an allow-all decision
point; "guardrails on" runs the real policy engine (libpg-query parse, cached by statement text) with the demo's four
guardrails for every statement; both record every session. "${NODE_PIPE}" is a plain Node TCP proxy that copies bytes
and understands nothing: what Sluice costs above it is Sluice, what it costs above pgbouncer is the runtime. CPU µs/txn is user+system CPU over the run divided by the transactions pgbench
reports: for Sluice and the pipe, the benchmark's own process (\`process.cpuUsage()\`), where the gateway runs; for pgbouncer,
its \`/proc/<pid>/stat\` utime+stime. "Of which user" is the part spent in the process itself; the rest is the kernel's
work for its socket reads and writes (the pipe and Sluice both make two reads and two writes per transaction, counted
in \`/proc/<pid>/io\`). Read the ratios, not the absolute numbers: the machine is shared.

${table(["config", "path", "TPS", "mean latency ms", "CPU µs/txn", "of which user", "× direct", "× pgbouncer"], body)}

Target: Sluice at or above pgbouncer's TPS at -c 16 and within 10% of it at -c 1 (Sluice TPS ÷ pgbouncer TPS):

${table(["config", "target", ...sluicePaths], targets)}
${failures.length > 0 ? `\nFailed runs:\n\n${failures.join("\n")}\n` : ""}
Commands (ports are the run's free ports; -M and -c/-j vary per configuration):

\`\`\`sh
${facts.commands.join("\n")}
\`\`\``;
}
