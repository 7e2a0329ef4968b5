/**
 * The HTTP data path side by side in one run: a JSON API called directly, through a bare Node HTTP
 * relay (the floor) and through Sluice (bearer token, guardrails, masking and recording on), in turn
 * within each round. Small JSON requests (keep-alive, a few in flight) in requests/s, and one large
 * streamed JSON response in MB/s, with each relaying process's CPU and the gateway's peak RSS after
 * quarter-size responses and after the full ones (flat: memory bounded). Writes the table into
 * docs/benchmarks.md.
 *
 *   ./node_modules/.bin/tsx bench/http.ts      (BENCH_HTTP_REQUESTS, default 3000; BENCH_HTTP_ROWS, default 200000;
 *                                              BENCH_HTTP_ROUNDS, default 3)
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg } from "node:os";
import path from "node:path";
import { bumpPolicyVersion } from "../packages/db/src/policy-version";
import { createConnection } from "../packages/db/src/seed/create-connection";
import { type BenchEnv, createBenchEnv } from "./lib/bench-env";
import { type Cleanup, createCleanup } from "./lib/cleanup";
import { spawnGatewayProcess } from "./lib/gateway-process";
import {
  type InterleavedResult,
  interleave,
  roundRatios,
  shortRevision,
  spread,
} from "./lib/http-interleaved";
import { describeMachine } from "./lib/machine";
import { table, writeSection } from "./lib/markdown-section";
import { spawnNodeHttpRelayProcess } from "./lib/node-http-relay-process";

const REQUESTS = Number(process.env.BENCH_HTTP_REQUESTS ?? 3000);
const ROWS = Number(process.env.BENCH_HTTP_ROWS ?? 200_000);
const IN_FLIGHT = 8;
/** Rounds of each measure; the machine is shared, so the spread is reported with the median. */
const RUNS = Number(process.env.BENCH_HTTP_ROUNDS ?? 3);
const KEY = "bench-upstream-key";
/** A directory: the gateway process writes a CPU profile there when the run ends (node --cpu-prof). */
const CPU_PROFILE_DIR = process.env.BENCH_HTTP_CPU_PROFILE;
/**
 * Another checkout (e.g. the main branch's): its gateway runs beside this one against the same
 * store, and the large stream is measured through both in the same run, for a before/after ratio.
 */
const BASELINE = process.env.BENCH_HTTP_BASELINE;
const REPORT = path.resolve(import.meta.dirname, "../docs/benchmarks.md");

function customer(id: number) {
  return {
    id,
    name: `Customer ${id}`,
    email: `user${id}@example.com`,
    ssn: "123-45-6789",
    card: "4111111111111111",
    balance: id * 1.5,
  };
}

/** The upstream: one small customer, or `n` customers streamed with backpressure. */
async function startApi() {
  const server = http.createServer(async (request, response) => {
    if (request.headers.authorization !== `Bearer ${KEY}`) return response.writeHead(401).end();
    const url = new URL(request.url ?? "/", "http://api");
    response.writeHead(200, { "content-type": "application/json" });
    if (url.pathname === "/api/customers/1") return response.end(JSON.stringify(customer(1)));
    const n = Number(url.searchParams.get("n"));
    response.write('{"customers":[');
    for (let i = 0; i < n; i++) {
      if (!response.write(`${i ? "," : ""}${JSON.stringify(customer(i))}`))
        await new Promise((r) => response.once("drain", r));
    }
    response.end("]}");
  });
  // Node closes a kept-alive socket after 5 s idle by default, and the small calls' sockets sit idle
  // while a large response streams: a gateway reusing one just as it closes gets ECONNRESET (a 502),
  // which ended a five-round run. Upstreams behind load balancers keep them a minute or more.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

function get(
  agent: http.Agent,
  url: string,
  authorization: string,
): Promise<{ bytes: number; sample: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers: { authorization } }, (response) => {
        let bytes = 0;
        let sample = "";
        response.on("data", (chunk: Buffer) => {
          if (sample.length < 400) sample += chunk.toString();
          bytes += chunk.length;
        });
        response.on("end", () =>
          response.statusCode === 200
            ? resolve({ bytes, sample })
            : reject(new Error(`${url}: ${response.statusCode} ${sample}`)),
        );
        response.on("error", reject);
      })
      .on("error", reject);
  });
}

async function smallRequests(url: string, authorization: string): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next++ < REQUESTS) await get(agent, url, authorization);
    }),
  );
  agent.destroy();
  return REQUESTS / ((performance.now() - started) / 1000);
}

async function stream(
  url: string,
  authorization: string,
): Promise<{ mbPerSecond: number; bytes: number; sample: string }> {
  const agent = new http.Agent({ keepAlive: false });
  const started = performance.now();
  const { bytes, sample } = await get(agent, url, authorization);
  return { mbPerSecond: bytes / 1024 / 1024 / ((performance.now() - started) / 1000), bytes, sample };
}

/**
 * Small calls and the large stream directly, through the baseline checkout's gateway and through
 * this one, in turn within each round (see interleave): rates, the ratio to direct per round, and
 * each process's CPU per call or response, which shows what bounds the ratio on a loaded machine.
 */
async function measureBaseline(
  env: BenchEnv,
  cleanup: Cleanup,
  bases: { direct: string; sluice: string },
  auth: { upstream: string; agent: string },
  /** This tree's gateway process, whose CPU time is read as the baseline's is. */
  current: { cpuMicros: () => number },
) {
  const checkout = BASELINE as string;
  const gateway = await spawnGatewayProcess(env, cleanup, { isHttpEnabled: true, checkout });
  const beforeBase = `http://127.0.0.1:${gateway.httpPort}/api`;
  // Warmed as much as this tree's gateway was before these rounds (its warm-up and the first
  // table's rounds): a JIT that has seen fewer calls costs more per call.
  for (let round = 0; round <= RUNS; round++) await smallRequests(`${beforeBase}/customers/1`, auth.agent);
  for (let round = 0; round <= RUNS; round++)
    await stream(`${beforeBase}/customers?n=${Math.floor(ROWS / 4)}`, auth.agent);
  const legs = (run: (base: string, authorization: string) => Promise<{ rate: number; units: number }>) => [
    { name: "direct", run: () => run(bases.direct, auth.upstream) },
    { name: "before", run: () => run(beforeBase, auth.agent), gatewayCpuMicros: gateway.cpuMicros },
    { name: "after", run: () => run(bases.sluice, auth.agent), gatewayCpuMicros: current.cpuMicros },
  ];
  const small = await interleave(
    legs(async (base, authorization) => ({
      rate: await smallRequests(`${base}/customers/1`, authorization),
      units: REQUESTS,
    })),
    RUNS,
    1,
  );
  const large = await interleave(
    legs(async (base, authorization) => ({
      rate: (await stream(`${base}/customers?n=${ROWS}`, authorization)).mbPerSecond,
      units: 1,
    })),
    RUNS,
    1 / 1000,
  );
  await gateway.stop();
  return { revision: shortRevision(checkout), small, large };
}

/** One row per leg of a measure: its rate, its ratio to direct per round, and each process's CPU. */
function legRows(
  measure: string,
  result: InterleavedResult,
  names: readonly string[],
  rateDigits: number,
  cpuUnit: string,
): string[][] {
  const [direct = [], ...legs] = result.samples;
  const rows = [
    [
      measure,
      "direct",
      spread(
        direct.map((s) => s.rate),
        rateDigits,
      ),
      "1×",
      "",
      spread(
        direct.map((s) => s.benchCpu),
        0,
      ),
    ],
  ];
  for (const [index, leg] of legs.entries())
    rows.push([
      measure,
      names[index] as string,
      spread(
        leg.map((s) => s.rate),
        rateDigits,
      ),
      `${spread(roundRatios(leg, direct), 2)}×`,
      `${spread(
        leg.map((s) => s.gatewayCpu ?? 0),
        0,
      )} ${cpuUnit}`,
      spread(
        leg.map((s) => s.benchCpu),
        0,
      ),
    ]);
  return rows;
}

const LEG_COLUMNS = [
  "Measure",
  "Leg",
  "Rate: median (range)",
  "÷ direct, per round",
  "Relay or gateway CPU",
  "Client + API CPU (same unit)",
];

/** The interleaved before/after table: one row per leg of each measure. */
function baselineTable(baseline: Awaited<ReturnType<typeof measureBaseline>>): string {
  const names = [`before (${baseline.revision})`, "after (this tree)"];
  const rows = [
    ...legRows("small JSON calls/s", baseline.small, names, 0, "µs/call"),
    ...legRows("large streamed JSON, MB/s", baseline.large, names, 1, "ms/response"),
  ];
  const loads = [...baseline.small.loads, ...baseline.large.loads];
  return [
    table(LEG_COLUMNS, rows),
    "",
    `Interleaved: direct, then before and after in turn (their order swapped every round), ${RUNS} rounds. Load average (1 min) at the rounds' starts: ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}.`,
  ].join("\n");
}

async function main() {
  const cleanup = createCleanup();
  try {
    const env = await createBenchEnv(cleanup);
    const api = await startApi();
    cleanup.add(() => new Promise<void>((resolve) => api.server.close(() => resolve())));
    api.server.closeIdleConnections();
    const connection = await createConnection(env.prisma, {
      name: "api",
      type: "HTTP",
      host: "127.0.0.1",
      port: api.port,
      database: "/api",
      username: "unused",
      password: KEY,
      httpAuthKind: "BEARER",
      secretKey: env.secretKey,
      tlsMode: "DISABLE",
      allowedGroups: ["bench"],
    });
    const connectionId = connection.id;
    await env.prisma.guardrailRule.createMany({
      data: [
        { connectionId, name: "no-admin", kind: "HTTP_REQUEST", match: { path: "/admin/**" } },
        { connectionId, name: "no-deletes", kind: "HTTP_REQUEST", match: { methods: ["DELETE"] } },
      ],
    });
    await env.prisma.maskingRule.createMany({
      data: [
        { connectionId, name: "ssn", jsonPointer: "/**/ssn", strategy: "REDACT" },
        { connectionId, name: "card", jsonPointer: "/**/card", strategy: "PARTIAL", keepLast: 4 },
        { connectionId, name: "emails", detector: "email", strategy: "HASH" },
      ],
    });
    await bumpPolicyVersion(env.prisma);
    const gateway = await spawnGatewayProcess(env, cleanup, {
      isHttpEnabled: true,
      ...(CPU_PROFILE_DIR ? { cpuProfileDir: CPU_PROFILE_DIR } : {}),
    });
    const directBase = `http://127.0.0.1:${api.port}/api`;
    const sluiceBase = `http://127.0.0.1:${gateway.httpPort}/api`;
    const upstreamAuth = `Bearer ${KEY}`;
    const agentAuth = `Bearer ${env.agent.token}`;

    const check = await get(new http.Agent(), `${sluiceBase}/customers/1`, agentAuth);
    if (!check.sample.includes('"ssn":"[REDACTED]"') || check.sample.includes("@example.com"))
      throw new Error(`masking did not apply: ${check.sample}`);

    const relay = await spawnNodeHttpRelayProcess({ host: "127.0.0.1", port: api.port }, cleanup);
    const relayBase = `http://127.0.0.1:${relay.port}/api`;
    const idleRss = gateway.rss();
    // Warmed before the rounds: each path's JIT has seen both kinds of call.
    for (const [base, authorization] of [
      [relayBase, upstreamAuth],
      [sluiceBase, agentAuth],
    ] as const) {
      await smallRequests(`${base}/customers/1`, authorization);
      await stream(`${base}/customers?n=${Math.floor(ROWS / 4)}`, authorization);
    }
    const quarterRss = gateway.peakRss();
    const legs = (run: (base: string, authorization: string) => Promise<{ rate: number; units: number }>) => [
      { name: "direct", run: () => run(directBase, upstreamAuth) },
      { name: "relay", run: () => run(relayBase, upstreamAuth), gatewayCpuMicros: relay.cpuMicros },
      { name: "sluice", run: () => run(sluiceBase, agentAuth), gatewayCpuMicros: gateway.cpuMicros },
    ];
    const small = await interleave(
      legs(async (base, authorization) => ({
        rate: await smallRequests(`${base}/customers/1`, authorization),
        units: REQUESTS,
      })),
      RUNS,
      1,
    );
    let bigBytes = 0;
    const large = await interleave(
      legs(async (base, authorization) => {
        const streamed = await stream(`${base}/customers?n=${ROWS}`, authorization);
        bigBytes = streamed.bytes;
        return { rate: streamed.mbPerSecond, units: 1 };
      }),
      RUNS,
      1 / 1000,
    );
    const peakRss = gateway.peakRss();
    const baseline = BASELINE
      ? await measureBaseline(
          env,
          cleanup,
          { direct: directBase, sluice: sluiceBase },
          { upstream: upstreamAuth, agent: agentAuth },
          gateway,
        )
      : null;
    if (CPU_PROFILE_DIR) {
      await gateway.stop();
      console.error(`the gateway's CPU profile is in ${CPU_PROFILE_DIR}`);
    }

    const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
    const names = ["bare Node relay", "Sluice"];
    const loads = [...small.loads, ...large.loads];
    const body = [
      "## HTTP: direct vs Sluice",
      "",
      `\`bench/http.ts\`: a Node JSON API called directly, through a bare Node HTTP relay (\`bench/lib/node-http-relay.ts\`: Node's server and client over kept-alive sockets, nothing else: the floor of any Node HTTP gateway) and through Sluice's HTTP listener (bearer token checked, two HTTP_REQUEST guardrails, masking: two JSON Pointer rules and the email detector as keyed hash, the exchange recorded). Small requests: ${REQUESTS.toLocaleString("en-US")} GETs of one customer (~130 bytes of JSON), ${IN_FLIGHT} in flight over keep-alive. Large: one response of ${ROWS.toLocaleString("en-US")} customers (${mb(bigBytes)} from the upstream), streamed chunked (the relay does not mask it). Interleaved: direct, then the relay and Sluice in turn (their order swapped every round), ${RUNS} rounds; the ratio is each round's rate over the direct leg's in the same round. The API and the client share the benchmark's process; the relay and the gateway run in processes of their own, whose CPU per call (µs) or per large response (ms) is read from /proc. ${describeMachine(env.pgVersion)}.`,
      "",
      table(LEG_COLUMNS, [
        ...legRows("small JSON calls/s", small, names, 0, "µs/call"),
        ...legRows("large streamed JSON, MB/s", large, names, 1, "ms/response"),
      ]),
      "",
      ...(baseline ? [baselineTable(baseline), ""] : []),
      `Gateway RSS: ${mb(idleRss)} idle, peak ${mb(quarterRss)} after the quarter-size responses, ${mb(peakRss)} after the full ones. Load average (1 min) at the rounds' starts: ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}, at the end ${loadavg()[0]?.toFixed(1)} (a shared machine: compare the ratios and the CPU columns, not the absolute rates).`,
    ].join("\n");
    // A profiled gateway runs slower: its figures are not the benchmark's.
    if (!CPU_PROFILE_DIR) writeSection(REPORT, "http", body);
    console.log(body);
  } finally {
    await cleanup.run();
  }
}

await main();
