/**
 * One gateway worker of a cluster (gateway-cluster.ts): waits for its configuration over IPC,
 * serves the shared port, forwards cancel keys it does not know to the primary and takes those
 * the primary forwards (MySQL KILL lookups likewise, by the id's slot), and closes in order when
 * told to.
 */
import "./wasm-tiers";
import { createPrisma } from "@sluice/db/prisma";
import { CancelRegistry } from "@sluice/transport/cancel-registry";
import { MySqlSessionIds } from "@sluice/transport/mysql/mysql-session-ids";
import type { PrimaryMessage, WorkerConfig, WorkerMessage } from "./cluster-messages";
import { ClusterKillRoute } from "./mysql/cluster-kill-route";
import { startGateway } from "./start-gateway";

const send = (message: WorkerMessage) => process.send?.(message);
const log = (line: string) => send({ type: "log", line: `[worker ${process.pid}] ${line}` });

if (!process.send) throw new Error("gateway-worker runs only as a cluster worker");

const cancels = new CancelRegistry((processId, secretKey) =>
  send({ type: "cancel", processId, secretKey: secretKey.toString("hex") }),
);
let stop: (() => Promise<void>) | null = null;
/** This worker's MySQL connection ids and its route to siblings' ones; set with the config. */
let mysqlIds: { sessionIds: MySqlSessionIds; route: ClusterKillRoute } | null = null;

process.on("message", (message: PrimaryMessage) => {
  switch (message?.type) {
    case "config":
      void start(message.config);
      break;
    case "cancel":
      cancels.cancelLocal(message.processId, Buffer.from(message.secretKey, "hex"));
      break;
    case "mysql-kill-lookup":
      // Answered even before the listener is up (nobody's id then): the asker never waits in vain.
      send({
        type: "mysql-kill-target",
        requestId: message.requestId,
        askerSlot: message.askerSlot,
        upstreamThreadId:
          mysqlIds?.sessionIds.localUpstreamThreadFor(message.gatewayConnectionId, message) ?? null,
      });
      break;
    case "mysql-kill-target":
      mysqlIds?.route.answered(message.requestId, message.upstreamThreadId);
      break;
    case "shutdown":
      void shutdown();
      break;
  }
});
send({ type: "ready" });
// The primary gone means no one can route cancels or restart us: stop serving.
process.on("disconnect", () => void shutdown());

async function start(config: WorkerConfig): Promise<void> {
  try {
    const slot = config.workerSlot ?? 0;
    const route = new ClusterKillRoute(slot, send);
    const sessionIds = new MySqlSessionIds({ slot, remote: (id, asker) => route.lookup(id, asker) });
    mysqlIds = { sessionIds, route };
    const prisma = createPrisma(config.databaseUrl);
    const gateway = await startGateway({
      prisma,
      databaseUrl: config.databaseUrl,
      port: config.port,
      httpPort: config.httpPort ?? null,
      mysqlPort: config.mysqlPort ?? null,
      mcpPort: config.mcpPort ?? null,
      secretKey: Buffer.from(config.secretKey, "base64"),
      home: config.home,
      isTlsEnabled: config.isTlsEnabled,
      ...(config.hosts ? { hosts: config.hosts } : {}),
      reviewWebhook: config.reviewWebhook,
      consoleUrl: config.consoleUrl,
      ...(config.maxStatementBytes ? { maxStatementBytes: config.maxStatementBytes } : {}),
      ...(config.isNativeKeyedHashAllowed === false ? { isNativeKeyedHashAllowed: false } : {}),
      cancels,
      mysqlSessionIds: sessionIds,
      isSharedListener: true,
      log,
    });
    stop = async () => {
      await gateway.close();
      await prisma.$disconnect();
    };
    send({
      type: "listening",
      port: gateway.port,
      caFile: gateway.caFile,
      mcpPort: gateway.mcpPort,
      mysqlPort: gateway.mysqlPort,
    });
  } catch (error) {
    send({ type: "failed", message: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  }
}

let isShuttingDown = false;
async function shutdown(): Promise<void> {
  if (isShuttingDown) return;
  isShuttingDown = true;
  try {
    await stop?.();
  } finally {
    process.exit(0);
  }
}
