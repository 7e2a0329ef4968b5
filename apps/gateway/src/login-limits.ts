import { LoginThrottle } from "@sluice/session/login-throttle";

/**
 * Failed-login limits (docs/operations.md, "Failed logins"). Refusals are per address and per
 * (address, agent): what an attacker controls. Failures against one agent from anywhere only slow
 * the answers to further failures, so no one can lock an agent out by knowing its name.
 */
export const AUTH_FAILURES_PER_ADDRESS_AND_AGENT = 10;
export const AUTH_FAILURES_PER_ADDRESS = 30;
export const AUTH_FAILURE_WINDOW_MS = 60_000;
/** Failures against an agent (any address) in the window before its failures are answered late. */
export const AUTH_FAILURES_BEFORE_AGENT_DELAY = 10;
export const AUTH_FAILURE_DELAY_BASE_MS = 100;
/** A late answer is never later than this: slow enough for guessing, short of a client's timeout. */
export const AUTH_FAILURE_DELAY_MAX_MS = 5_000;

export function createLoginThrottle(): LoginThrottle {
  return new LoginThrottle({
    maxFailuresPerAddressAndAgent: AUTH_FAILURES_PER_ADDRESS_AND_AGENT,
    maxFailuresPerAddress: AUTH_FAILURES_PER_ADDRESS,
    agentDelayAfterFailures: AUTH_FAILURES_BEFORE_AGENT_DELAY,
    agentDelayBaseMs: AUTH_FAILURE_DELAY_BASE_MS,
    agentDelayMaxMs: AUTH_FAILURE_DELAY_MAX_MS,
    windowMs: AUTH_FAILURE_WINDOW_MS,
  });
}
