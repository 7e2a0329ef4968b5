import { LoginThrottle } from "@sluice/session/login-throttle";
import { describe, expect, it } from "vitest";

function throttleAt(clock: { now: number }) {
  return new LoginThrottle({
    maxFailuresPerAddressAndAgent: 3,
    maxFailuresPerAddress: 5,
    agentDelayAfterFailures: 2,
    agentDelayBaseMs: 100,
    agentDelayMaxMs: 1000,
    windowMs: 60_000,
    now: () => clock.now,
  });
}

describe("LoginThrottle", () => {
  it("refuses the guessing address for that agent, never the agent from elsewhere", () => {
    const clock = { now: 0 };
    const throttle = throttleAt(clock);
    for (let i = 0; i < 3; i++) throttle.recordFailure("10.0.0.9", "victim");
    expect(throttle.retryAfterMs("10.0.0.9", "victim")).toBe(60_000);
    expect(throttle.retryAfterMs("10.0.0.1", "victim")).toBe(0);
    expect(throttle.retryAfterMs("10.0.0.9", "other")).toBe(0);
    clock.now = 60_001;
    expect(throttle.retryAfterMs("10.0.0.9", "victim")).toBe(0);
  });

  it("refuses an address that sprays many names", () => {
    const throttle = throttleAt({ now: 0 });
    for (let i = 0; i < 5; i++) throttle.recordFailure("10.0.0.9", `name-${i}`);
    expect(throttle.retryAfterMs("10.0.0.9", "fresh-name")).toBe(60_000);
    expect(throttle.retryAfterMs("10.0.0.1", "fresh-name")).toBe(0);
  });

  it("answers failures against a targeted agent later and later, up to the cap", () => {
    const throttle = throttleAt({ now: 0 });
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      delays.push(throttle.failureDelayMs("victim"));
      throttle.recordFailure(`10.0.0.${i}`, "victim");
    }
    expect(delays).toEqual([0, 0, 100, 200, 400, 800, 1000, 1000]);
    // A success elsewhere does not wipe what was aimed at the agent.
    throttle.recordSuccess("10.0.0.200", "victim");
    expect(throttle.failureDelayMs("victim")).toBe(1000);
    expect(throttle.failureDelayMs("bystander")).toBe(0);
  });
});
