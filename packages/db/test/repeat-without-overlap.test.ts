import { describe, expect, it } from "vitest";
import { repeatWithoutOverlap } from "../src/scheduling/repeat-without-overlap";
import { FakeClock } from "../src/testing";

/** A round that stays in progress until the test ends it. */
function controlledRounds() {
  const ends: (() => void)[] = [];
  let started = 0;
  const round = () => {
    started += 1;
    return new Promise<void>((resolve) => ends.push(resolve));
  };
  return { round, started: () => started, endCurrent: () => ends.shift()?.() };
}

describe("repeatWithoutOverlap", () => {
  it("skips the ticks that fall while a round is still running", async () => {
    const clock = new FakeClock();
    const rounds = controlledRounds();
    const repeating = repeatWithoutOverlap(1000, rounds.round, { onError: () => {}, clock });
    clock.advance(1000);
    await Promise.resolve();
    expect(rounds.started()).toBe(1);
    clock.advance(3000); // three ticks while the first round is slow
    await Promise.resolve();
    expect(rounds.started()).toBe(1);
    rounds.endCurrent();
    await repeating.runNow(); // joins the first round, now ending, rather than starting one
    expect(rounds.started()).toBe(1);
    clock.advance(1000);
    await Promise.resolve();
    expect(rounds.started()).toBe(2);
    repeating.stop();
  });

  it("reports a failed round and runs the next one on time", async () => {
    const clock = new FakeClock();
    const errors: unknown[] = [];
    let calls = 0;
    const repeating = repeatWithoutOverlap(
      500,
      async () => {
        calls += 1;
        if (calls === 1) throw new Error("store down");
      },
      { onError: (error) => errors.push(error), clock },
    );
    clock.advance(500);
    await repeating.runNow();
    expect(errors).toEqual([new Error("store down")]);
    clock.advance(500);
    await repeating.runNow();
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(errors).toHaveLength(1);
    repeating.stop();
  });

  it("does not wedge when a round throws before its first await", async () => {
    const errors: unknown[] = [];
    const repeating = repeatWithoutOverlap(
      1000,
      () => {
        throw new Error("at once");
      },
      { onError: (error) => errors.push(error), clock: new FakeClock() },
    );
    await repeating.runNow();
    await repeating.runNow();
    expect(errors).toHaveLength(2);
    repeating.stop();
  });

  it("stops firing once stopped", () => {
    const clock = new FakeClock();
    let calls = 0;
    const count = async () => {
      calls += 1;
    };
    const repeating = repeatWithoutOverlap(100, count, { onError: () => {}, clock });
    repeating.stop();
    clock.advance(1000);
    expect(calls).toBe(0);
    expect(clock.pending).toBe(0);
  });
});
