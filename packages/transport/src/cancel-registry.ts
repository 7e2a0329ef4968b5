import { timingSafeEqual } from "node:crypto";
import { pooledRandomBytes } from "@sluice/secrets/random-pool";

export type CancelTarget = {
  /** Sends the upstream's own CancelRequest; the registry knows nothing of sockets. */
  cancel: () => void;
};

type Entry = { secretKey: Buffer; target: CancelTarget };

/**
 * The gateway hands each client its own BackendKeyData; a CancelRequest carrying it is routed to
 * the right upstream backend. Upstream keys never reach clients.
 * @see https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-CANCELING-REQUESTS
 */
export class CancelRegistry {
  private readonly entries = new Map<number, Entry>();

  /**
   * @param forward Where a key this process does not know goes: with several gateway workers, a
   * CancelRequest reaches whichever worker accepted its connection, not the session's own.
   */
  constructor(private readonly forward?: (processId: number, secretKey: Buffer) => void) {}

  register(target: CancelTarget): { processId: number; secretKey: Buffer; unregister: () => void } {
    let processId: number;
    do processId = pooledRandomBytes(4).readUInt32BE() & 0x7fffffff;
    while (processId === 0 || this.entries.has(processId));
    const secretKey = pooledRandomBytes(4);
    this.entries.set(processId, { secretKey, target });
    return { processId, secretKey, unregister: () => this.entries.delete(processId) };
  }

  /**
   * True when the key matched a live session of this process (whose upstream was then asked to
   * cancel); otherwise the request is forwarded to the other workers, if there are any.
   */
  cancel(processId: number, secretKey: Buffer): boolean {
    if (this.cancelLocal(processId, secretKey)) return true;
    this.forward?.(processId, secretKey);
    return false;
  }

  /** A cancel forwarded from another worker: matched against this process's sessions only. */
  cancelLocal(processId: number, secretKey: Buffer): boolean {
    const entry = this.entries.get(processId);
    if (
      !entry ||
      entry.secretKey.length !== secretKey.length ||
      !timingSafeEqual(entry.secretKey, secretKey)
    ) {
      return false;
    }
    entry.target.cancel();
    return true;
  }
}
