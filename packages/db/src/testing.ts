import type { Clock, ClockTimer } from "./scheduling/clock";

type Scheduled = { at: number; every: number | null; run: () => void; isCancelled: boolean };

/**
 * A clock that moves only when a test says so: timers fire, in order, as `advance` passes their
 * time, so a test of a deadline or a poll never waits for real seconds (nor flakes on a busy machine).
 */
export class FakeClock implements Clock {
  private current: number;
  private scheduled: Scheduled[] = [];

  constructor(start = Date.UTC(2026, 11, 3, 12)) {
    this.current = start;
  }

  now = (): number => this.current;

  setTimeout = (run: () => void, ms: number): ClockTimer => this.schedule(run, ms, null);

  setInterval = (run: () => void, ms: number): ClockTimer => this.schedule(run, ms, Math.max(1, ms));

  /** Timers not yet fired or cancelled. */
  get pending(): number {
    return this.scheduled.filter((timer) => !timer.isCancelled).length;
  }

  /** Moves time on by `ms`, firing every timer that falls due, each at its own time. */
  advance(ms: number): void {
    const until = this.current + ms;
    for (;;) {
      const next = this.scheduled
        .filter((timer) => !timer.isCancelled && timer.at <= until)
        .sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.current = Math.max(this.current, next.at);
      if (next.every === null) next.isCancelled = true;
      else next.at += next.every;
      next.run();
    }
    this.current = until;
    this.scheduled = this.scheduled.filter((timer) => !timer.isCancelled);
  }

  private schedule(run: () => void, ms: number, every: number | null): ClockTimer {
    const timer: Scheduled = { at: this.current + Math.max(0, ms), every, run, isCancelled: false };
    this.scheduled.push(timer);
    return {
      cancel: () => {
        timer.isCancelled = true;
      },
    };
  }
}
