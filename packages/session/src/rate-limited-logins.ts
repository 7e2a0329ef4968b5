import type { LoginLimits } from "./connection-phases";
import type { RateLimiter } from "./rate-limiter";

/**
 * Login limits over two sliding windows: failures per agent name and per client address. Either
 * one over its limit refuses the attempt; a success clears both.
 */
export function rateLimitedLogins(byAgent: RateLimiter, byAddress: RateLimiter): LoginLimits {
  const agentKey = (agentName: string) => `agent:${agentName}`;
  const addressKey = (address: string) => `addr:${address}`;
  return {
    retryAfterMs: (address, agentName) =>
      Math.max(byAgent.retryAfterMs(agentKey(agentName)), byAddress.retryAfterMs(addressKey(address))),
    recordFailure: (address, agentName) => {
      byAgent.recordFailure(agentKey(agentName));
      byAddress.recordFailure(addressKey(address));
    },
    recordSuccess: (address, agentName) => {
      byAgent.recordSuccess(agentKey(agentName));
      byAddress.recordSuccess(addressKey(address));
    },
  };
}
