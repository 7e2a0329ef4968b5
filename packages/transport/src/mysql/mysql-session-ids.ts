/** Who a gateway connection id belongs to, and the upstream thread behind it. */
type KillableSession = { agentId: string; connectionId: string; upstreamThreadId: number };

/** Whose KILL it is: only the same agent on the same connection may reach a session. */
export type KillAsker = { agentId: string; connectionId: string };

/**
 * Asks the gateway process that owns `gatewayConnectionId` (another cluster worker) for the
 * upstream thread behind it; null when it has none for this asker, or did not answer in time.
 */
export type RemoteKillLookup = (gatewayConnectionId: number, asker: KillAsker) => Promise<number | null>;

/**
 * Gateway processes a cluster may run: a connection id is `sequence * MAX_ID_SLOTS + slot`, so ids
 * are unique across workers and say which worker owns them (a KILL from any worker is routed there).
 */
export const MAX_ID_SLOTS = 256;
/**
 * Sequences wrap below this, keeping ids under 2^31: some clients read the handshake's thread id as
 * a signed 32-bit integer.
 */
const MAX_SEQUENCE = Math.floor(0x7fff_ffff / MAX_ID_SLOTS);

/** The slot (gateway process) a connection id was handed out by. */
export function slotOfConnectionId(gatewayConnectionId: number): number {
  return gatewayConnectionId % MAX_ID_SLOTS;
}

/**
 * The live sessions of one gateway process by the connection id each client got in the gateway's
 * handshake, so `KILL [QUERY] id` can be mapped to an upstream thread. An id of another process's
 * slot is asked of that process (`remote`); without one it is not found, which refuses rather than
 * guesses.
 */
export class MySqlSessionIds {
  private readonly byId = new Map<number, KillableSession>();
  private readonly slot: number;
  private readonly remote: RemoteKillLookup | null;
  private sequence = 0;

  constructor(options: { slot?: number; remote?: RemoteKillLookup } = {}) {
    this.slot = options.slot ?? 0;
    if (!Number.isInteger(this.slot) || this.slot < 0 || this.slot >= MAX_ID_SLOTS)
      throw new Error(`a gateway id slot is an integer in [0, ${MAX_ID_SLOTS}), not ${this.slot}`);
    this.remote = options.remote ?? null;
  }

  /** A connection id no live session of this process holds, in this process's slot. */
  allocate(): number {
    for (;;) {
      this.sequence = this.sequence >= MAX_SEQUENCE ? 1 : this.sequence + 1;
      const id = this.sequence * MAX_ID_SLOTS + this.slot;
      if (!this.byId.has(id)) return id;
    }
  }

  /** Returns the unregistration, called when the session closes. */
  register(gatewayConnectionId: number, session: KillableSession): () => void {
    this.byId.set(gatewayConnectionId, session);
    return () => {
      if (this.byId.get(gatewayConnectionId) === session) this.byId.delete(gatewayConnectionId);
    };
  }

  /** The upstream thread of `gatewayConnectionId`, only for the same agent on the same connection. */
  async upstreamThreadFor(gatewayConnectionId: number, asker: KillAsker): Promise<number | null> {
    if (slotOfConnectionId(gatewayConnectionId) === this.slot)
      return this.localUpstreamThreadFor(gatewayConnectionId, asker);
    return this.remote ? this.remote(gatewayConnectionId, asker) : null;
  }

  /** The same, among this process's sessions only: what a lookup routed from another worker asks. */
  localUpstreamThreadFor(gatewayConnectionId: number, asker: KillAsker): number | null {
    const session = this.byId.get(gatewayConnectionId);
    if (!session || session.agentId !== asker.agentId || session.connectionId !== asker.connectionId)
      return null;
    return session.upstreamThreadId;
  }
}
