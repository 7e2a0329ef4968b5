/**
 * MySQL data path, side by side in one run: mysql2 straight to a throwaway MariaDB vs through
 * Sluice's MySQL listener (TLS to the gateway, as agents must use it; the direct leg without TLS, as
 * the upstream leg is). Connect time (median of CONNECTS logins) and steady state (sequential
 * point SELECTs on one connection, text protocol and prepared). Writes docs/benchmarks.md.
 *
 *   ./node_modules/.bin/tsx bench/mysql-side-by-side.ts
 */

import { randomBytes } from "node:crypto";
import path from "node:path";
import { createMySqlCatalogs } from "../apps/gateway/src/mysql/mysql-catalog";
import { parseMySql } from "../packages/mysql-sql/src/parse";
import { createPolicyDecisionPoint } from "../packages/policy/src/decision-point";
import { FactsCache } from "../packages/policy/src/facts-cache";
import { startMySqlListener } from "../packages/transport/src/mysql/mysql-listener";
import { table, writeSection } from "./lib/markdown-section";
import { startMySqlBench, statementsPerSecond } from "./lib/mysql-bench-env";

/** Kept small: the machine is shared, and the ratio settles within a few thousand statements. */
const STATEMENTS = 3000;
const CONNECTS = 30;

const bench = await startMySqlBench("mysql-bench");
try {
  const listener = await startMySqlListener({
    port: 0,
    directory: bench.directory,
    decisions: createPolicyDecisionPoint({
      policies: { version: 1, get: () => bench.policy, reload: async () => {} },
      facts: new FactsCache({ parseStatements: parseMySql, normalize: null }),
      upstreamUser: () => "bench",
    }),
    maskingRules: () => [],
    catalogFor: createMySqlCatalogs(),
    hashKey: randomBytes(32),
    tlsContext: bench.tlsContext,
    log: () => {},
  });
  const legs = {
    direct: bench.connectDirect,
    sluice: () => bench.connectThrough(listener.port),
  };
  const rows: string[][] = [];
  const results: Record<string, { connectMs: number; textQps: number; preparedQps: number }> = {};
  for (const [name, connect] of Object.entries(legs)) {
    const times: number[] = [];
    for (let i = 0; i < CONNECTS; i++) {
      const started = performance.now();
      const client = await connect();
      times.push(performance.now() - started);
      await client.end();
    }
    times.sort((a, b) => a - b);
    const client = await connect();
    const run = (statement: (id: number) => Promise<unknown>) => statementsPerSecond(STATEMENTS, statement);
    const textQps = await run((id) => client.query(`SELECT id, label FROM items WHERE id = ${id}`));
    const preparedQps = await run((id) => client.execute("SELECT id, label FROM items WHERE id = ?", [id]));
    await client.end();
    results[name] = { connectMs: times[Math.floor(times.length / 2)] as number, textQps, preparedQps };
  }
  const direct = results.direct as (typeof results)[string];
  for (const [name, result] of Object.entries(results)) {
    rows.push([
      name,
      result.connectMs.toFixed(1),
      result.textQps.toFixed(0),
      `${((result.textQps / direct.textQps) * 100).toFixed(0)}%`,
      result.preparedQps.toFixed(0),
      `${((result.preparedQps / direct.preparedQps) * 100).toFixed(0)}%`,
    ]);
  }
  const body = `## MySQL: mysql2 direct vs Sluice

${new Date().toISOString().slice(0, 10)} · MariaDB (Debian) · Node ${process.version} · ${STATEMENTS} sequential point SELECTs per protocol on one connection, median of ${CONNECTS} connects. Sluice's leg includes TLS to the gateway and a policy decision per statement (different literal each time); the direct leg has no TLS.

${table(["leg", "connect ms (median)", "text q/s", "text vs direct", "prepared q/s", "prepared vs direct"], rows)}
`;
  console.log(body);
  writeSection(path.join(import.meta.dirname, "../docs/benchmarks.md"), "mysql-side-by-side", body);
  await listener.close();
} finally {
  await bench.stop();
}
