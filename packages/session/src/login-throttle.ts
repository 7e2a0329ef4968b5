import type { LoginLimits } from "./connection-phases";
import { RateLimiter } from "./rate-limiter";

export type LoginThrottleOptions = {
  /** Failures one address may make against one agent name before that pair is refused. */
  maxFailuresPerAddressAndAgent: number;
  /** Failures one address may make against any names (spraying) before it is refused. */
  maxFailuresPerAddress: number;
  /** Failures against one agent name, from anywhere, before its failures start to be answered late. */
  agentDelayAfterFailures: number;
  /** The first late answer's delay; it doubles with every further failure, up to the cap. */
  agentDelayBaseMs: number;
  agentDelayMaxMs: number;
  windowMs: number;
  now?: () => number;
};

/**
 * Failed-login limits that an attacker cannot turn against the agent they target. Hard refusals are
 * keyed by what the attacker controls — their address, and their address with the agent's name — so
 * hammering an agent from elsewhere never refuses the rightful agent at its own address. Failures
 * against an agent from anywhere only make further *failures* answer later (growing, capped): a
 * guesser waits longer for each verdict, while a correct proof is answered at once.
 */
export class LoginThrottle implements LoginLimits {
  private readonly byPair: RateLimiter;
  private readonly byAddress: RateLimiter;
  private readonly byAgent: RateLimiter;

  constructor(private readonly options: LoginThrottleOptions) {
    const clock = options.now ? { now: options.now } : {};
    this.byPair = new RateLimiter({
      maxFailures: options.maxFailuresPerAddressAndAgent,
      windowMs: options.windowMs,
      ...clock,
    });
    this.byAddress = new RateLimiter({
      maxFailures: options.maxFailuresPerAddress,
      windowMs: options.windowMs,
      ...clock,
    });
    // Never refuses by itself: only its count is read, for the delay.
    this.byAgent = new RateLimiter({
      maxFailures: Number.MAX_SAFE_INTEGER,
      windowMs: options.windowMs,
      ...clock,
    });
  }

  /** Milliseconds until this address may try this agent again, or 0 when it may try now. */
  retryAfterMs(address: string, agentName: string): number {
    return Math.max(
      this.byPair.retryAfterMs(pairKey(address, agentName)),
      this.byAddress.retryAfterMs(address),
    );
  }

  /** How long to hold back the answer to a failed attempt against this agent. */
  failureDelayMs(agentName: string): number {
    const beyond = this.byAgent.count(agentName) - this.options.agentDelayAfterFailures;
    if (beyond < 0) return 0;
    return Math.min(this.options.agentDelayMaxMs, this.options.agentDelayBaseMs * 2 ** Math.min(beyond, 30));
  }

  recordFailure(address: string, agentName: string): void {
    this.byPair.recordFailure(pairKey(address, agentName));
    this.byAddress.recordFailure(address);
    this.byAgent.recordFailure(agentName);
  }

  /** A success clears what this address did; others' failures against the agent still count. */
  recordSuccess(address: string, agentName: string): void {
    this.byPair.recordSuccess(pairKey(address, agentName));
    this.byAddress.recordSuccess(address);
  }
}

function pairKey(address: string, agentName: string): string {
  return `${address}\u0000${agentName}`;
}
