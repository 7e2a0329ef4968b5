/**
 * A million-row result with three masked columns, side by side in one run: psql directly to
 * PostgreSQL, then through Sluice (masking on). Reports rows/s and the gateway process's peak RSS
 * while the result streams. Writes the table into docs/benchmarks.md.
 *
 *   ./node_modules/.bin/tsx bench/masking-stream.ts      (BENCH_ROWS, default 1000000)
 *
 * With BENCH_BASELINE=<another checkout> (BENCH_BASELINE_NAME: its name in the table) that
 * checkout's gateway reads the same rows too, in each round, so before and after are side by side.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import pg from "pg";
import { bumpPolicyVersion } from "../packages/db/src/policy-version";
import { nativeKeyedHash } from "../packages/masking/src/native-keyed-hash";
import { createBenchEnv } from "./lib/bench-env";
import { createCleanup } from "./lib/cleanup";
import { spawnGatewayProcess } from "./lib/gateway-process";
import { describeMachine } from "./lib/machine";
import { table, writeSection } from "./lib/markdown-section";

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
/**
 * Rounds of one direct read then one through Sluice, best of each: the machine's speed drifts
 * (other tenants, frequency), and legs run back to back in each round drift together.
 */
const RUNS = 3;
const QUERY = "SELECT id, first_name, email, ssn, card_number FROM stream_customers";
const REPORT = path.resolve(import.meta.dirname, "../docs/benchmarks.md");

async function main() {
  const cleanup = createCleanup();
  try {
    const env = await createBenchEnv(cleanup);
    const upstreamUrl = `postgresql://${env.upstream.user}:${env.upstream.password}@${env.upstream.host}:${env.upstream.port}/${env.upstream.database}`;
    await loadRows(upstreamUrl);
    const connection = await env.prisma.connection.findFirstOrThrow();
    await env.prisma.maskingRule.createMany({
      data: [
        {
          connectionId: connection.id,
          name: "email",
          columnSelector: "public.stream_customers.email",
          strategy: "HASH",
        },
        {
          connectionId: connection.id,
          name: "ssn",
          columnSelector: "public.stream_customers.ssn",
          strategy: "REDACT",
        },
        {
          connectionId: connection.id,
          name: "card",
          columnSelector: "public.stream_customers.card_number",
          strategy: "PARTIAL",
          keepLast: 4,
        },
      ],
    });
    await bumpPolicyVersion(env.prisma);
    const profileDir = process.env.BENCH_CPU_PROFILE;
    const gateway = await spawnGatewayProcess(env, cleanup, profileDir ? { cpuProfileDir: profileDir } : {});
    const sluiceUrl = `postgresql://${env.agent.name}:${encodeURIComponent(env.agent.token)}@127.0.0.1:${gateway.port}/${env.upstream.database}`;

    // Warm-up: the first session through Sluice reads the upstream's catalog.
    await psql(sluiceUrl, "SELECT ssn FROM stream_customers LIMIT 1");
    const idleRss = gateway.rss();
    // A quarter of the rows first: if memory stays flat, the peak does not grow with the result.
    await psql(sluiceUrl, `${QUERY} LIMIT ${Math.floor(ROWS / 4)}`);
    const quarterRss = gateway.peakRss();
    const baseline = await spawnBaseline(env, cleanup);
    let direct = Number.POSITIVE_INFINITY;
    let sluice = Number.POSITIVE_INFINITY;
    let gatewayCpu = 0;
    for (let round = 0; round < RUNS; round++) {
      direct = Math.min(direct, (await psql(upstreamUrl, QUERY)).ms);
      const cpuBefore = gateway.cpuMicros();
      sluice = Math.min(sluice, (await psql(sluiceUrl, QUERY)).ms);
      gatewayCpu += gateway.cpuMicros() - cpuBefore;
      await baseline?.read();
    }
    const cpuPerRow = gatewayCpu / (RUNS * ROWS);
    const peakRss = gateway.peakRss();
    const sample = await psql(sluiceUrl, `${QUERY} ORDER BY id LIMIT 1`, true);
    if (!sample.stdout.includes("[REDACTED]")) throw new Error(`masking did not apply: ${sample.stdout}`);

    const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
    const rate = (ms: number) => `${Math.round(ROWS / (ms / 1000)).toLocaleString("en-US")}`;
    const body = [
      "## Masking a streamed result",
      "",
      `\`bench/masking-stream.ts\`: \`${QUERY}\` returning ${ROWS.toLocaleString("en-US")} rows, three of the five columns masked (keyed hash, redaction, partial; the keyed hash ${nativeKeyedHash() ? "on Node's OpenSSL through `packages/masking/native`, built at install" : "in JavaScript: the native module was not built"}), read by psql (${RUNS} rounds of one direct read then one through Sluice, best of each). The gateway runs in a process of its own (\`apps/gateway/src/gateway-process.ts\`: Node, the store's Prisma client, the WebAssembly parser, as \`sluice start\` runs it — WebAssembly on V8's baseline compiler only but for the parser, see \`apps/gateway/src/wasm-tiers.ts\` —, without the benchmark driver); peak RSS is the kernel's high-water mark for that process (VmHWM), read after a quarter of the rows and after the full result: a peak that does not grow from one to the other is memory staying flat. CPU is the gateway process's user+system time per row. ${describeMachine(env.pgVersion)}.`,
      "",
      table(
        [
          "path",
          "seconds",
          "rows/s",
          "vs direct",
          "gateway CPU µs/row",
          "gateway RSS: idle → peak at ¼ of the rows → peak at all",
        ],
        [
          ["direct", (direct / 1000).toFixed(2), rate(direct), "1.00", "–", "–"],
          [
            "Sluice, masking on",
            (sluice / 1000).toFixed(2),
            rate(sluice),
            (direct / sluice).toFixed(2),
            cpuPerRow.toFixed(2),
            `${mb(idleRss)} → ${mb(quarterRss)} → ${mb(peakRss)}`,
          ],
          ...(baseline
            ? [
                [
                  `Sluice at ${baseline.name}`,
                  (baseline.best() / 1000).toFixed(2),
                  rate(baseline.best()),
                  (direct / baseline.best()).toFixed(2),
                  baseline.cpuPerRow().toFixed(2),
                  "–",
                ],
              ]
            : []),
        ],
      ),
      "",
      `Targets: at least 0.50 of direct throughput, RSS at most 200 MB: ${direct / sluice >= 0.5 ? "throughput met" : "throughput NOT met"}, ${peakRss <= 200 * 1024 * 1024 ? "memory met" : "memory NOT met"}.`,
    ].join("\n");
    console.log(body);
    // A profiled run is slower than a real one: its numbers are not the report's.
    if (profileDir) await gateway.stop();
    else writeSection(REPORT, "masking-stream", body);
  } finally {
    await cleanup.run();
  }
}

async function loadRows(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("DROP TABLE IF EXISTS stream_customers");
    await client.query(`CREATE TABLE stream_customers AS
      SELECT g AS id, 'Name' || g AS first_name, 'user' || g || '@example.com' AS email,
             lpad((100 + g % 800)::text, 3, '0') || '-' || lpad((10 + g % 89)::text, 2, '0') || '-' || lpad((1000 + g % 8999)::text, 4, '0') AS ssn,
             '4242 4242 ' || lpad((g % 10000)::text, 4, '0') || ' ' || lpad(((g * 7) % 10000)::text, 4, '0') AS card_number
      FROM generate_series(1, ${ROWS}) g`);
    await client.query("VACUUM ANALYZE stream_customers");
  } finally {
    await client.end();
  }
}

/** Another checkout's gateway over the same rows and rules, read once per round; null without BENCH_BASELINE. */
async function spawnBaseline(
  env: Awaited<ReturnType<typeof createBenchEnv>>,
  cleanup: ReturnType<typeof createCleanup>,
) {
  const checkout = process.env.BENCH_BASELINE;
  if (!checkout) return null;
  const gateway = await spawnGatewayProcess(env, cleanup, { checkout });
  const url = `postgresql://${env.agent.name}:${encodeURIComponent(env.agent.token)}@127.0.0.1:${gateway.port}/${env.upstream.database}`;
  await psql(url, "SELECT ssn FROM stream_customers LIMIT 1");
  let fastest = Number.POSITIVE_INFINITY;
  let cpu = 0;
  let reads = 0;
  return {
    name: process.env.BENCH_BASELINE_NAME ?? checkout,
    read: async () => {
      const before = gateway.cpuMicros();
      fastest = Math.min(fastest, (await psql(url, QUERY)).ms);
      cpu += gateway.cpuMicros() - before;
      reads += 1;
    },
    best: () => fastest,
    cpuPerRow: () => cpu / (reads * ROWS),
  };
}

/** psql in its own process (its memory is not the gateway's), output discarded unless asked for. */
function psql(url: string, sql: string, keep = false): Promise<{ ms: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn("psql", [
      "-X",
      "-At",
      "-v",
      "ON_ERROR_STOP=1",
      "-c",
      sql,
      ...(keep ? [] : ["-o", "/dev/null"]),
      url,
    ]);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once("exit", (code) =>
      code === 0
        ? resolve({ ms: performance.now() - started, stdout })
        : reject(new Error(`psql exited ${code}: ${stderr}`)),
    );
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
