/**
 * MySQL statements through Sluice, this checkout vs another (`bash bench/make-baseline.sh <commit>
 * <dir>`), in one process against one throwaway MariaDB: sequential point SELECTs on one
 * connection (text and prepared), the two gateways and the direct leg interleaved per round so the
 * shared machine's noise hits them alike. A quick A/B, not the documented bench (that is
 * mysql-side-by-side.ts, ~15 min): it prints a table and writes nothing.
 *
 *   ./node_modules/.bin/tsx bench/mysql-ab.ts /tmp/baseline
 *
 * BENCH_STATEMENTS (default 500) per protocol per round, BENCH_ROUNDS (default 5); BENCH_MASKED=1
 * gives the agent a column masking rule (on a column the statements do not read), so every
 * statement takes the catalog path masking needs. BENCH_LEGS=current (comma-separated: direct,
 * baseline, current) runs only those; BENCH_CPU_PROFILE=<file.cpuprofile> profiles the rounds.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import os from "node:os";
import path from "node:path";
import type mysql from "mysql2/promise";
import { startMySqlBench, statementsPerSecond } from "./lib/mysql-bench-env";

const STATEMENTS = Number(process.env.BENCH_STATEMENTS ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const IS_MASKED = process.env.BENCH_MASKED === "1";
const baselineDir = process.argv[2];
if (!baselineDir) throw new Error("usage: tsx bench/mysql-ab.ts <baseline checkout>");

/** The modules a gateway is built from, imported from one checkout's sources. */
async function gatewayModules(root: string) {
  return {
    catalogs: await import(path.join(root, "apps/gateway/src/mysql/mysql-catalog.ts")),
    parse: await import(path.join(root, "packages/mysql-sql/src/parse.ts")),
    decisionPoint: await import(path.join(root, "packages/policy/src/decision-point.ts")),
    factsCache: await import(path.join(root, "packages/policy/src/facts-cache.ts")),
    listener: await import(path.join(root, "packages/transport/src/mysql/mysql-listener.ts")),
  };
}

/** This process's CPU profile from now (BENCH_CPU_PROFILE=<file.cpuprofile>): stop it to get it. */
async function startProfile(): Promise<() => Promise<unknown>> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  return async () => (await session.post("Profiler.stop")).profile;
}

const bench = await startMySqlBench("mysql-ab");
console.error("MariaDB up");
try {
  const rules = IS_MASKED
    ? [
        {
          name: "secret",
          selector: "bench.items.secret",
          detector: null,
          strategy: "REDACT" as const,
          keepLast: null,
          exemptGroups: [],
        },
      ]
    : [];
  const start = async (root: string) => {
    const m = await gatewayModules(root);
    return m.listener.startMySqlListener({
      port: 0,
      directory: bench.directory,
      decisions: m.decisionPoint.createPolicyDecisionPoint({
        policies: { version: 1, get: () => bench.policy, reload: async () => {} },
        facts: new m.factsCache.FactsCache({ parseStatements: m.parse.parseMySql, normalize: null }),
        upstreamUser: () => "bench",
      }),
      maskingRules: () => rules,
      catalogFor: m.catalogs.createMySqlCatalogs(),
      hashKey: randomBytes(32),
      tlsContext: bench.tlsContext,
      log: (line: string) => console.error(`[${path.basename(root)}] ${line}`),
    });
  };
  const gateways = {
    baseline: await start(path.resolve(baselineDir)),
    current: await start(path.resolve(import.meta.dirname, "..")),
  };
  const legs: Record<string, () => Promise<mysql.Connection>> = { direct: bench.connectDirect };
  for (const [name, gateway] of Object.entries(gateways))
    legs[name] = () => bench.connectThrough(gateway.port);
  const only = process.env.BENCH_LEGS?.split(",");
  for (const name of Object.keys(legs)) if (only && !only.includes(name)) delete legs[name];
  const profiler = process.env.BENCH_CPU_PROFILE ? await startProfile() : null;
  const samples: Record<string, { text: number[]; prepared: number[] }> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, connect] of Object.entries(legs)) {
      const client = await connect();
      const run = (statement: (id: number) => Promise<unknown>) => statementsPerSecond(STATEMENTS, statement);
      const text = await run((id) => client.query(`SELECT id, label FROM items WHERE id = ${id}`));
      const prepared = await run((id) => client.execute("SELECT id, label FROM items WHERE id = ?", [id]));
      await client.end();
      samples[name] ??= { text: [], prepared: [] };
      samples[name].text.push(text);
      samples[name].prepared.push(prepared);
      console.error(
        `round ${round + 1} ${name}: text ${text.toFixed(0)} prepared ${prepared.toFixed(0)} q/s`,
      );
    }
  }
  const median = (values: number[]) =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  const ratios = (a: number[], b: number[]) =>
    a.map((value, i) => (value / (b[i] as number)).toFixed(2)).join(" ");
  console.log(
    `${ROUNDS} rounds × ${STATEMENTS} statements per protocol, masked=${IS_MASKED}, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  for (const [name, s] of Object.entries(samples))
    console.log(
      `${name.padEnd(8)} text ${median(s.text).toFixed(0)} q/s  prepared ${median(s.prepared).toFixed(0)} q/s`,
    );
  const { baseline, current, direct } = samples as Record<string, { text: number[]; prepared: number[] }>;
  if (baseline && current && direct) {
    console.log(
      `current/baseline per round: text ${ratios(current.text, baseline.text)} · prepared ${ratios(current.prepared, baseline.prepared)}`,
    );
    console.log(
      `current/direct per round:   text ${ratios(current.text, direct.text)} · prepared ${ratios(current.prepared, direct.prepared)}`,
    );
    console.log(
      `baseline/direct per round:  text ${ratios(baseline.text, direct.text)} · prepared ${ratios(baseline.prepared, direct.prepared)}`,
    );
  }
  if (profiler) writeFileSync(process.env.BENCH_CPU_PROFILE as string, JSON.stringify(await profiler()));
  for (const gateway of Object.values(gateways)) await gateway.close();
} finally {
  await bench.stop();
}
