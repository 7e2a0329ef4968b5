/**
 * The gateway's CPU per small HTTP call, this tree against a baseline checkout and the bare Node
 * relay, as per-round ratios: bench/http.ts's small-call leg without its direct leg and large
 * stream, so more rounds fit while the machine is quiet enough. Each leg is 8 callers over
 * keep-alive sending GETs of one customer (masked: two JSON Pointer rules and the email detector);
 * the legs run in turn within a round (their order reversed every other round), and each process's
 * CPU is read from /proc. On a shared machine the absolute µs move with the load; the ratio of two
 * gateways measured seconds apart moves much less.
 *
 *   bash bench/make-baseline.sh main /tmp/base
 *   BENCH_HTTP_BASELINE=/tmp/base ./node_modules/.bin/tsx bench/http-call-cpu.ts
 *   (BENCH_HTTP_REQUESTS, default 3000 per leg; BENCH_HTTP_ROUNDS, default 8)
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg } from "node:os";
import { bumpPolicyVersion } from "../packages/db/src/policy-version";
import { createConnection } from "../packages/db/src/seed/create-connection";
import { createBenchEnv } from "./lib/bench-env";
import { createCleanup } from "./lib/cleanup";
import { spawnGatewayProcess } from "./lib/gateway-process";
import { shortRevision, spread } from "./lib/http-interleaved";
import { spawnNodeHttpRelayProcess } from "./lib/node-http-relay-process";

const REQUESTS = Number(process.env.BENCH_HTTP_REQUESTS ?? 3000);
const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 8);
const BASELINE = process.env.BENCH_HTTP_BASELINE;
const IN_FLIGHT = 8;
const KEY = "bench-upstream-key";
const CUSTOMER = JSON.stringify({
  id: 1,
  name: "Customer 1",
  email: "user1@example.com",
  ssn: "123-45-6789",
  card: "4111111111111111",
  balance: 1.5,
});

type Leg = { name: string; url: string; authorization: string; cpuMicros: () => number };

function get(agent: http.Agent, leg: Leg): Promise<void> {
  return new Promise((resolve, reject) => {
    http
      .get(leg.url, { agent, headers: { authorization: leg.authorization } }, (response) => {
        response.resume();
        response.on("end", () =>
          response.statusCode === 200 ? resolve() : reject(new Error(`${leg.name}: ${response.statusCode}`)),
        );
      })
      .on("error", reject);
  });
}

/** The leg's process CPU per call, in µs, over REQUESTS calls. */
async function cpuPerCall(leg: Leg, requests = REQUESTS): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  const before = leg.cpuMicros();
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next++ < requests) await get(agent, leg);
    }),
  );
  agent.destroy();
  return (leg.cpuMicros() - before) / requests;
}

async function main() {
  const cleanup = createCleanup();
  try {
    const env = await createBenchEnv(cleanup);
    const api = http.createServer((request, response) => {
      if (request.headers.authorization !== `Bearer ${KEY}`) return response.writeHead(401).end();
      response.writeHead(200, { "content-type": "application/json" }).end(CUSTOMER);
    });
    api.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
    cleanup.add(() => new Promise<void>((resolve) => api.close(() => resolve())));
    cleanup.add(() => api.closeAllConnections());
    const port = (api.address() as AddressInfo).port;
    const { id: connectionId } = await createConnection(env.prisma, {
      name: "api",
      type: "HTTP",
      host: "127.0.0.1",
      port,
      database: "/api",
      username: "unused",
      password: KEY,
      httpAuthKind: "BEARER",
      secretKey: env.secretKey,
      tlsMode: "DISABLE",
      allowedGroups: ["bench"],
    });
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
    const agentAuth = `Bearer ${env.agent.token}`;
    const gatewayLeg = async (name: string, checkout?: string): Promise<Leg> => {
      const gateway = await spawnGatewayProcess(env, cleanup, {
        isHttpEnabled: true,
        ...(checkout ? { checkout } : {}),
      });
      const url = `http://127.0.0.1:${gateway.httpPort}/api/customers/1`;
      return { name, url, authorization: agentAuth, cpuMicros: gateway.cpuMicros };
    };
    const relay = await spawnNodeHttpRelayProcess({ host: "127.0.0.1", port }, cleanup);
    const legs: Leg[] = [
      {
        name: "bare Node relay",
        url: `http://127.0.0.1:${relay.port}/api/customers/1`,
        authorization: `Bearer ${KEY}`,
        cpuMicros: relay.cpuMicros,
      },
      await gatewayLeg("this tree"),
      ...(BASELINE ? [await gatewayLeg(`baseline ${shortRevision(BASELINE)}`, BASELINE)] : []),
    ];
    // Warmed alike: each JIT has seen as many calls before the rounds.
    for (const leg of legs) await cpuPerCall(leg);
    const samples = legs.map(() => [] as number[]);
    const loads: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      loads.push(loadavg()[0] ?? 0);
      const order = round % 2 === 0 ? [...legs.keys()] : [...legs.keys()].reverse();
      for (const index of order) samples[index]?.push(await cpuPerCall(legs[index] as Leg));
    }
    const tree = samples[1] as number[];
    console.log(`${ROUNDS} rounds of ${REQUESTS} calls per leg; load average ${spread(loads, 1)}`);
    for (const [index, leg] of legs.entries()) {
      const own = samples[index] as number[];
      const ratios = own.map((micros, round) => micros / (tree[round] as number));
      console.log(
        `${leg.name}: ${spread(own, 0)} µs/call; ÷ this tree per round ${spread(ratios, 2)} [${ratios.map((r) => r.toFixed(2)).join(" ")}]`,
      );
    }
  } finally {
    await cleanup.run();
  }
}

await main();
