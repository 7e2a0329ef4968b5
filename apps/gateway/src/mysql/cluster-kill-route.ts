import type { KillAsker } from "@sluice/transport/mysql/mysql-session-ids";
import type { WorkerMessage } from "../cluster-messages";

/**
 * How long a worker waits for the owner of a connection id to say which upstream thread it is.
 * The owner answers from memory; only a worker that died or is stuck misses this, and then the
 * KILL is refused (1094) rather than left hanging.
 */
export const KILL_LOOKUP_TIMEOUT_MS = 5_000;

/**
 * A KILL's lookup in another gateway worker, through the cluster's primary (the same IPC route a
 * CancelRequest for a key this worker does not hold takes): the id's slot names the owner, the
 * primary hands the question to it and its answer back here.
 */
export class ClusterKillRoute {
  private readonly pending = new Map<number, (upstreamThreadId: number | null) => void>();
  private nextRequestId = 1;

  constructor(
    private readonly slot: number,
    private readonly send: (message: WorkerMessage) => void,
  ) {}

  lookup(gatewayConnectionId: number, asker: KillAsker): Promise<number | null> {
    const requestId = this.nextRequestId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.answered(requestId, null), KILL_LOOKUP_TIMEOUT_MS);
      this.pending.set(requestId, (upstreamThreadId) => {
        clearTimeout(timer);
        resolve(upstreamThreadId);
      });
      this.send({
        type: "mysql-kill-lookup",
        requestId,
        askerSlot: this.slot,
        gatewayConnectionId,
        agentId: asker.agentId,
        connectionId: asker.connectionId,
      });
    });
  }

  /** The owner's answer (or the primary's null when no worker holds the slot). */
  answered(requestId: number, upstreamThreadId: number | null): void {
    const resolve = this.pending.get(requestId);
    if (!resolve) return;
    this.pending.delete(requestId);
    resolve(upstreamThreadId);
  }
}
