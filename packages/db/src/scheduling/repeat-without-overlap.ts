import { type Clock, systemClock } from "./clock";

export type RepeatWithoutOverlapOptions = {
  /** Called with whatever a round threw; the next round still runs on time. */
  onError: (error: unknown) => void;
  clock?: Clock;
};

export type Repeating = {
  /** Stops the timer; a round in progress finishes on its own. */
  stop: () => void;
  /** Runs a round now unless one is in progress; resolves when the round (or the running one) ends. */
  runNow: () => Promise<void>;
};

/**
 * Runs `round` every `everyMs`, skipping a tick while the previous round is still running: a poll
 * slowed by a busy store is never overlapped by the next one, and rounds never pile up behind it.
 */
export function repeatWithoutOverlap(
  everyMs: number,
  round: () => Promise<unknown>,
  options: RepeatWithoutOverlapOptions,
): Repeating {
  const clock = options.clock ?? systemClock;
  let running: Promise<void> | null = null;
  const runNow = (): Promise<void> => {
    // Started on a later microtask, so `running` is set before a round that fails at once clears it.
    running ??= Promise.resolve()
      .then(round)
      .then(
        () => {},
        (error: unknown) => options.onError(error),
      )
      .finally(() => {
        running = null;
      });
    return running;
  };
  const timer = clock.setInterval(() => void runNow(), everyMs);
  return { stop: () => timer.cancel(), runNow };
}
