import cluster, { type Worker } from "node:cluster";
import { availableParallelism } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { MAX_ID_SLOTS, slotOfConnectionId } from "@sluice/transport/mysql/mysql-session-ids";
import { ensureTlsMaterial } from "@sluice/transport/tls-material";
import type { PrimaryMessage, WorkerConfig, WorkerMessage } from "./cluster-messages";
import { GATEWAY_NODE_FLAGS } from "./gateway-node-flags";

export type StartGatewayClusterOptions = Omit<WorkerConfig, "secretKey"> & {
  secretKey: Buffer;
  /** Gateway worker processes; the default is one per core. */
  workers?: number;
  /**
   * A worker that dies sooner than this after starting is not replaced (a crash loop). Tests that
   * kill a worker on purpose right after start set it lower; the default suits production.
   */
  minWorkerLifetimeMs?: number;
  log: (line: string) => void;
};

export type GatewayCluster = {
  port: number;
  caFile: string | null;
  /** The MCP endpoint's port (served by one worker), or null when not started. */
  mcpPort: number | null;
  /** The MySQL listener's port (every worker shares it), or null when not started. */
  mysqlPort: number | null;
  /** The live workers' pids, for tests and the banner. */
  workerPids: () => number[];
  close: () => Promise<void>;
};

/** A worker that does not exit this long after being told to is killed. */
const WORKER_SHUTDOWN_GRACE_MS = 10_000;
/** A worker that dies is replaced; one that dies this soon after starting stops the restarts. */
const MIN_WORKER_LIFETIME_MS = 5_000;
/** Signals that ask a process to stop; a worker ended by one of them is not replaced. */
const STOP_SIGNALS: ReadonlySet<string> = new Set(["SIGTERM", "SIGINT", "SIGHUP"]);

const WORKER_ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), "gateway-worker-entry.mjs");

/** One per core, at most one per MySQL connection-id slot (ids carry their worker's slot). */
export function defaultWorkerCount(): number {
  return Math.min(availableParallelism(), MAX_ID_SLOTS);
}

/**
 * The gateway on every core: N worker processes that each accept on one shared listening socket
 * (cluster with SCHED_NONE, so no process hands out connections: the kernel wakes an accepting
 * worker). The primary only starts workers, replaces dead ones and forwards CancelRequests and
 * MySQL KILL lookups between them (a KILL's connection id names its worker's slot); revocation, live policy, holds and heartbeats run in each worker against the store.
 */
export async function startGatewayCluster(options: StartGatewayClusterOptions): Promise<GatewayCluster> {
  if (!cluster.isPrimary) throw new Error("a gateway cluster is started from the primary process");
  const count = Math.max(1, options.workers ?? defaultWorkerCount());
  if (count > MAX_ID_SLOTS)
    throw new Error(`at most ${MAX_ID_SLOTS} gateway workers (MySQL connection ids name their worker)`);
  // Generated once here, so workers never race to create it.
  const material = options.isTlsEnabled ? ensureTlsMaterial(path.join(options.home, "tls")) : null;
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  cluster.setupPrimary({ exec: WORKER_ENTRY, execArgv: [...GATEWAY_NODE_FLAGS], silent: false });

  const workers = new Set<Worker>();
  /** Each live worker's slot in MySQL connection ids; a replacement takes the lowest free one. */
  const slots = new Map<Worker, number>();
  const workerInSlot = (slot: number) => [...slots].find(([, held]) => held === slot)?.[0] ?? null;
  const freeSlot = () => {
    const held = new Set(slots.values());
    let slot = 0;
    while (held.has(slot)) slot++;
    return slot;
  };
  let isClosing = false;
  const {
    workers: _count,
    log: _log,
    minWorkerLifetimeMs = MIN_WORKER_LIFETIME_MS,
    secretKey,
    ...shared
  } = options;
  const config: WorkerConfig = { ...shared, secretKey: secretKey.toString("base64") };

  /** The worker serving MCP (see WorkerConfig.mcpPort): one at a time, replaced like any other. */
  let mcpWorker: Worker | null = null;
  let mcpPort: number | null = null;
  let mysqlPort: number | null = null;
  const fork = (port: number): Promise<number> => {
    const worker = cluster.fork();
    const slot = freeSlot();
    slots.set(worker, slot);
    const servesMcp = mcpWorker === null && config.mcpPort !== undefined && config.mcpPort !== null;
    if (servesMcp) mcpWorker = worker;
    const startedAt = Date.now();
    workers.add(worker);
    return new Promise((resolve, reject) => {
      worker.on("message", (message: WorkerMessage) => {
        switch (message?.type) {
          case "ready":
            worker.send({
              type: "config",
              config: { ...config, port, mcpPort: servesMcp ? config.mcpPort : null, workerSlot: slot },
            } satisfies PrimaryMessage);
            break;
          case "log":
            options.log(message.line);
            break;
          case "listening":
            if (message.mcpPort) mcpPort = message.mcpPort;
            if (message.mysqlPort) mysqlPort = message.mysqlPort;
            resolve(message.port);
            break;
          case "failed":
            reject(new Error(`gateway worker ${worker.process.pid} failed to start: ${message.message}`));
            break;
          case "cancel":
            for (const other of workers) {
              if (other !== worker && other.isConnected())
                other.send({ ...message } satisfies PrimaryMessage);
            }
            break;
          case "mysql-kill-lookup": {
            // Only the worker in the id's slot can hold the session; none there: nobody's id.
            const owner = workerInSlot(slotOfConnectionId(message.gatewayConnectionId));
            if (owner?.isConnected()) owner.send({ ...message } satisfies PrimaryMessage);
            else
              worker.send({
                type: "mysql-kill-target",
                requestId: message.requestId,
                upstreamThreadId: null,
              } satisfies PrimaryMessage);
            break;
          }
          case "mysql-kill-target": {
            const asker = workerInSlot(message.askerSlot);
            if (asker?.isConnected())
              asker.send({
                type: "mysql-kill-target",
                requestId: message.requestId,
                upstreamThreadId: message.upstreamThreadId,
              } satisfies PrimaryMessage);
            break;
          }
        }
      });
      worker.once("exit", (code, signal) => {
        workers.delete(worker);
        slots.delete(worker);
        if (mcpWorker === worker) mcpWorker = null;
        reject(new Error(`gateway worker ${worker.process.pid} exited during start (${signal ?? code})`));
        if (isClosing) return;
        options.log(`gateway worker ${worker.process.pid} exited (${signal ?? code})`);
        if (signal !== null && STOP_SIGNALS.has(signal)) {
          // Asked to stop, not crashed: a service manager or a terminal signals the whole process
          // group, and the worker may see it before the primary does. A replacement forked now
          // would start under a primary that is exiting.
          options.log("not replacing it: it was stopped by a signal");
          return;
        }
        if (Date.now() - startedAt < minWorkerLifetimeMs) {
          options.log("not replacing it: it died right after starting");
          return;
        }
        fork(port).then(
          () => options.log("a replacement gateway worker is serving"),
          (error: unknown) => options.log(String(error)),
        );
      });
    });
  };

  const close = async () => {
    isClosing = true;
    await Promise.all(
      [...workers].map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            const kill = setTimeout(() => worker.process.kill("SIGKILL"), WORKER_SHUTDOWN_GRACE_MS);
            worker.once("exit", () => {
              clearTimeout(kill);
              resolve();
            });
            if (worker.isConnected()) worker.send({ type: "shutdown" } satisfies PrimaryMessage);
            else worker.process.kill("SIGTERM");
          }),
      ),
    );
  };

  try {
    // Every worker asks for the same address and port (0 included): the primary keys the shared
    // listening socket by them, so all workers, replacements too, accept on one socket.
    const ports = await Promise.all(Array.from({ length: count }, () => fork(options.port)));
    const port = ports[0] as number;
    return {
      port,
      caFile: material?.caFile ?? null,
      mcpPort,
      mysqlPort,
      workerPids: () => [...workers].map((worker) => worker.process.pid ?? 0),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
