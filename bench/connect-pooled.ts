/**
 * What pooled upstream logins save an agent that connects per tool call: connect + one SELECT +
 * disconnect, sequentially, directly and through Sluice with the connection's pool on (poolSize 20)
 * and off (0), interleaved in rounds so machine noise hits all three alike. Writes docs/benchmarks.md
 * ("connect-pooled").
 *
 *   ./node_modules/.bin/tsx bench/connect-pooled.ts      (CONNECT_ROUNDS, default 5; 20 connects each)
 */
import "../apps/gateway/src/wasm-tiers";
import { loadavg } from "node:os";
import path from "node:path";
import pg from "pg";
import { createBenchEnv } from "./lib/bench-env";
import { startBenchGateway } from "./lib/bench-gateway";
import { createCleanup } from "./lib/cleanup";
import { describeMachine } from "./lib/machine";
import { table, writeSection } from "./lib/markdown-section";

const ROUNDS = Number(process.env.CONNECT_ROUNDS ?? 5);
const PER_ROUND = 20;
const REPORT = path.resolve(import.meta.dirname, "../docs/benchmarks.md");

async function main() {
  const cleanup = createCleanup();
  try {
    const env = await createBenchEnv(cleanup);
    const gateway = await startBenchGateway(env, cleanup);
    const { upstream } = env;
    const direct = `postgresql://${upstream.user}:${encodeURIComponent(upstream.password)}@${upstream.host}:${upstream.port}/${upstream.database}`;
    const viaSluice = gateway.url;
    const setPool = (poolSize: number) =>
      env.prisma.connection.update({ where: { name: "bench" }, data: { poolSize } });
    const samples: Record<string, number[]> = { direct: [], "Sluice, pool off": [], "Sluice, pooled": [] };
    const loads: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      loads.push(loadavg()[0] ?? 0);
      samples.direct?.push(...(await connects(direct)));
      await setPool(0);
      samples["Sluice, pool off"]?.push(...(await connects(viaSluice)));
      await setPool(20);
      samples["Sluice, pooled"]?.push(...(await connects(viaSluice)));
    }
    const median = (values: number[]) =>
      [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
    const directMedian = median(samples.direct ?? []);
    const body = [
      "## Connect per tool call: pooled upstream logins",
      "",
      `${describeMachine(env.pgVersion)}. \`bench/connect-pooled.ts\`, one run: ${ROUNDS} rounds of ${PER_ROUND}`,
      "sequential connect + `SELECT 1` + disconnect per path (pg, no TLS), the paths interleaved per round.",
      `Load average (1 min) during the rounds: ${loads.map((load) => load.toFixed(1)).join(", ")} — the machine is shared by`,
      "eight engineers' tests, so absolute times are the machine's; compare the rows with each other.",
      "",
      table(
        ["path", "connects", "median ms", "p90 ms", "× direct (median)"],
        Object.entries(samples).map(([name, values]) => [
          name,
          String(values.length),
          median(values).toFixed(1),
          ([...values].sort((a, b) => a - b)[Math.floor(values.length * 0.9)] ?? Number.NaN).toFixed(1),
          (median(values) / directMedian).toFixed(2),
        ]),
      ),
    ].join("\n");
    writeSection(REPORT, "connect-pooled", body);
    console.log(body);
  } finally {
    await cleanup.run();
  }
}

async function connects(url: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < PER_ROUND; i += 1) {
    const started = performance.now();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query("SELECT 1");
    await client.end();
    times.push(performance.now() - started);
  }
  return times;
}

await main();
