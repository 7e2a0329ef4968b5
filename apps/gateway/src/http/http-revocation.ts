import type { PrismaClient } from "@sluice/db/prisma";
import { repeatWithoutOverlap } from "@sluice/db/scheduling/repeat-without-overlap";
import { findRevoked, readStillAllowed } from "../revocation-check";
import { REVOCATION_POLL_MS } from "../revocation-watcher";

/** Whose call on which connection: what a revocation is checked against. */
export type CheckedCall = {
  agentId: string;
  credentialId: string;
  connectionId: string;
  /** A workload token's groups (its access may come from them) and its expiry (the call ends then). */
  tokenGroups?: readonly string[];
  tokenExpiresAt?: Date;
};

/** A call in flight (held for review, waiting for the upstream or streaming): ended when revoked. */
export type LiveCall = CheckedCall & { end: (reason: string) => void };

/** What the HTTP listener keeps that a revocation must reach. */
export type RevocableCaches = {
  /** Drops a verified token and its agent record: the next call authenticates from the store. */
  forgetCredential: (credentialId: string) => void;
  /** Drops a connection's record: the next call reads it (and its groups) from the store. */
  forgetConnection: (connectionId: string) => void;
};

/**
 * The HTTP path's revocation watcher, the Postgres path's rate (every REVOCATION_POLL_MS): the calls
 * in flight and what the caches let through (tokens, agents and connections reused between calls)
 * are checked against the store. A revoked or expired credential, a disabled agent, a disabled
 * connection or lost access ends the calls in flight and empties the caches for them; a change of
 * the agent's groups (which masking exemptions follow) empties its cached record too.
 */
export class HttpRevocations {
  /**
   * Pairs the caches let through recently, with the agent's groups as cached (`groupsOf`: the
   * array they were read from, so a keep-alive call with the same record only moves `until`).
   */
  private readonly recent = new Map<
    string,
    CheckedCall & { groups: string; groupsOf: readonly string[]; until: number }
  >();
  private readonly calls = new Set<LiveCall>();
  private readonly watching;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly caches: RevocableCaches,
    /** How long a pair stays checked after its last call (the longest any cache keeps it). */
    private readonly rememberMs: number,
    private readonly log: (line: string) => void,
  ) {
    this.watching = repeatWithoutOverlap(REVOCATION_POLL_MS, () => this.check(), {
      onError: (error) => log(`[http] revocation check failed: ${String(error)}`),
    });
  }

  note(call: CheckedCall, groups: readonly string[]): void {
    const key = `${call.credentialId} ${call.connectionId}`;
    const noted = this.recent.get(key);
    if (
      noted &&
      noted.groupsOf === groups &&
      noted.agentId === call.agentId &&
      noted.tokenGroups === call.tokenGroups &&
      noted.tokenExpiresAt === call.tokenExpiresAt
    ) {
      noted.until = Date.now() + this.rememberMs;
      return;
    }
    this.recent.set(key, {
      ...call,
      groups: [...groups].sort().join("\0"),
      groupsOf: groups,
      until: Date.now() + this.rememberMs,
    });
  }

  /** Tracks a call until the returned function is called. */
  track(call: LiveCall): () => void {
    this.calls.add(call);
    return () => this.calls.delete(call);
  }

  stop(): void {
    this.watching.stop();
  }

  async check(): Promise<void> {
    const now = Date.now();
    for (const [key, pair] of this.recent) if (pair.until <= now) this.recent.delete(key);
    const pairs = [...this.recent.values()];
    const calls = [...this.calls];
    if (pairs.length === 0 && calls.length === 0) return;
    const checked = [...pairs, ...calls];
    const [allowed, agents] = await Promise.all([
      readStillAllowed(this.prisma, checked, ["HTTP"]),
      this.prisma.agent.findMany({
        where: { id: { in: [...new Set(pairs.map((pair) => pair.agentId))] } },
        select: { id: true, memberships: { select: { group: { select: { name: true } } } } },
      }),
    ]);
    for (const { session: pair, reason } of findRevoked(pairs, allowed)) {
      this.log(`[http] forgetting credential ${pair.credentialId} on ${pair.connectionId}: ${reason}`);
      this.caches.forgetCredential(pair.credentialId);
      this.caches.forgetConnection(pair.connectionId);
      this.recent.delete(`${pair.credentialId} ${pair.connectionId}`);
    }
    const groupsNow = new Map(
      agents.map((agent) => [
        agent.id,
        agent.memberships
          .map((membership) => membership.group.name)
          .sort()
          .join("\0"),
      ]),
    );
    for (const pair of pairs)
      if (groupsNow.has(pair.agentId) && groupsNow.get(pair.agentId) !== pair.groups)
        this.caches.forgetCredential(pair.credentialId);
    for (const { session: call, reason } of findRevoked(calls, allowed)) {
      this.log(`[http] ending a call of agent ${call.agentId}: ${reason}`);
      this.calls.delete(call);
      call.end(reason);
    }
  }
}
