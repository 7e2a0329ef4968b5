import type { WireOutcome } from "./gateway-wire-call";
import { MAX_HELD_CALLS_PER_AGENT, SETTLED_HOLD_KEEP_MS } from "./mcp-limits";

type HeldCall = {
  agentId: string;
  outcome: WireOutcome | null;
  settledAt: number | null;
  cancel: () => void;
};

/**
 * Calls whose statement a review holds. The gateway session stays open in the background (only it
 * can run the statement once approved, as on the wire); its outcome, rows or refusal, waits here for
 * the agent's `review_status`. One process serves MCP, so every held call is found here.
 */
export class HeldCalls {
  private readonly calls = new Map<number, HeldCall>();

  constructor(private readonly now: () => number = Date.now) {}

  /** False when the agent already has MAX_HELD_CALLS_PER_AGENT waiting (the caller gives this one up). */
  hasRoomFor(agentId: string): boolean {
    this.forgetOld();
    let waiting = 0;
    for (const call of this.calls.values())
      if (call.agentId === agentId && call.outcome === null) waiting += 1;
    return waiting < MAX_HELD_CALLS_PER_AGENT;
  }

  track(reviewNumber: number, agentId: string, outcome: Promise<WireOutcome>, cancel: () => void): void {
    const call: HeldCall = { agentId, outcome: null, settledAt: null, cancel };
    this.calls.set(reviewNumber, call);
    void outcome.then((settled) => {
      call.outcome = settled;
      call.settledAt = this.now();
    });
  }

  /** The agent's held call for this review: undefined when this process holds none for it. */
  find(reviewNumber: number, agentId: string): { outcome: WireOutcome | null } | undefined {
    this.forgetOld();
    const call = this.calls.get(reviewNumber);
    return call && call.agentId === agentId ? { outcome: call.outcome } : undefined;
  }

  /** Shutdown: every waiting session is closed, so the gateway withdraws (and abandons) its review. */
  cancelAll(): void {
    for (const call of this.calls.values()) if (call.outcome === null) call.cancel();
  }

  private forgetOld(): void {
    const cutoff = this.now() - SETTLED_HOLD_KEEP_MS;
    for (const [number, call] of this.calls)
      if (call.settledAt !== null && call.settledAt < cutoff) this.calls.delete(number);
  }
}
