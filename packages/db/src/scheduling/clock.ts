/** A timer a clock handed out; cancelling twice is harmless. */
export type ClockTimer = { cancel: () => void };

/**
 * Time as the store-side loops see it. Injected so the review broker and the interval helper can be
 * driven by a fake clock in unit tests instead of waiting for real seconds to pass.
 */
export type Clock = {
  now: () => number;
  /** Runs `run` once after `ms`; the timer never keeps the process alive. */
  setTimeout: (run: () => void, ms: number) => ClockTimer;
  /** Runs `run` every `ms`; the timer never keeps the process alive. */
  setInterval: (run: () => void, ms: number) => ClockTimer;
};

/** Node's own timers, unref'd: a gateway shuts down without waiting for its next poll. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (run, ms) => {
    const timer = setTimeout(run, ms);
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
  setInterval: (run, ms) => {
    const timer = setInterval(run, ms);
    timer.unref();
    return { cancel: () => clearInterval(timer) };
  },
};
