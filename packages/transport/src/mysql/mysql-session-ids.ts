/** Who a gateway connection id belongs to, and the upstream thread behind it. */
type KillableSession = { agentId: string; connectionId: string; upstreamThreadId: number };

/**
 * The listener's live sessions by the connection id each client got in the gateway's handshake,
 * so `KILL [QUERY] id` can be mapped to an upstream thread. One per listener (per process): a
 * session of another gateway process is not found, which refuses rather than guesses.
 */
export class MySqlSessionIds {
  private readonly byId = new Map<number, KillableSession>();

  /** Returns the unregistration, called when the session closes. */
  register(gatewayConnectionId: number, session: KillableSession): () => void {
    this.byId.set(gatewayConnectionId, session);
    return () => {
      if (this.byId.get(gatewayConnectionId) === session) this.byId.delete(gatewayConnectionId);
    };
  }

  /** The upstream thread of `gatewayConnectionId`, only for the same agent on the same connection. */
  upstreamThreadFor(
    gatewayConnectionId: number,
    asker: { agentId: string; connectionId: string },
  ): number | null {
    const session = this.byId.get(gatewayConnectionId);
    if (!session || session.agentId !== asker.agentId || session.connectionId !== asker.connectionId)
      return null;
    return session.upstreamThreadId;
  }
}
