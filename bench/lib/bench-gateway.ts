import { startGateway } from "../../apps/gateway/src/start-gateway";
import type { DecisionPoint } from "../../packages/policy/src/verdict";
import type { BenchEnv } from "./bench-env";
import type { Cleanup } from "./cleanup";

/**
 * An in-process gateway in front of the bench environment, as every benchmark measures it: no TLS,
 * silent, on a free port, closed by `cleanup`. Without `decisions` it judges by the store's policy,
 * as in production. `url` is the bench agent's connection string through it.
 */
export async function startBenchGateway(env: BenchEnv, cleanup: Cleanup, decisions?: DecisionPoint) {
  const gateway = await startGateway({
    prisma: env.prisma,
    databaseUrl: env.storeUrl,
    port: 0,
    secretKey: env.secretKey,
    home: env.home,
    isTlsEnabled: false,
    hosts: ["127.0.0.1"],
    log: () => {},
    decisions,
  });
  cleanup.add(() => gateway.close());
  const agent = `${env.agent.name}:${encodeURIComponent(env.agent.token)}`;
  return {
    port: gateway.port,
    url: `postgresql://${agent}@127.0.0.1:${gateway.port}/${env.upstream.database}?sslmode=disable`,
  };
}
