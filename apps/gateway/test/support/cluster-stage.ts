import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  type GatewayCluster,
  type StartGatewayClusterOptions,
  startGatewayCluster,
} from "../../src/gateway-cluster";
import type { Harness } from "./gateway-harness";

/** A gateway cluster in front of a harness's store, with what its primary logged. */
export type ClusterStage = {
  gateway: GatewayCluster;
  /** Every line the cluster logged, in order: tests wait on and assert its lifecycle lines. */
  logs: string[];
  /** The harness's agent on the harness's connection, through the cluster's port. */
  url: () => string;
  /** Closes the cluster and removes its home; the harness is the caller's to stop. */
  stop: () => Promise<void>;
};

/**
 * Two workers (or `options.workers`) on a free port, plain TCP, serving the harness's store with its
 * secret key: how the gateway runs in production, for the tests that need real worker processes.
 */
export async function startClusterStage(
  harness: Harness,
  options: Partial<StartGatewayClusterOptions> = {},
): Promise<ClusterStage> {
  const home = mkdtempSync(path.join(tmpdir(), "sluice-cluster-"));
  const logs: string[] = [];
  const gateway = await startGatewayCluster({
    databaseUrl: harness.storeUrl,
    port: 0,
    secretKey: harness.secretKey,
    home,
    isTlsEnabled: false,
    hosts: ["127.0.0.1"],
    reviewWebhook: null,
    consoleUrl: null,
    workers: 2,
    log: (line: string) => logs.push(line),
    ...options,
  });
  return {
    gateway,
    logs,
    url: () =>
      `postgresql://${harness.agent.name}:${encodeURIComponent(harness.token)}@127.0.0.1:${gateway.port}/${harness.connectionName}?sslmode=disable`,
    stop: async () => {
      await gateway.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
