/**
 * Teardown steps run newest first, once, on normal exit, on failure and on Ctrl-C, so an interrupted
 * benchmark leaves no PostgreSQL, pgbouncer or temp directory behind. `signal` aborts with Ctrl-C so
 * the run stops starting new pgbench processes and kills the one in flight.
 */
export type Cleanup = {
  add: (step: () => Promise<void> | void) => void;
  run: () => Promise<void>;
  signal: AbortSignal;
};

/** What a shell reports for a process ended by SIGINT (128 + 2). */
const EXIT_CODE_INTERRUPTED = 130;

export function createCleanup(log: (line: string) => void = console.error): Cleanup {
  const steps: (() => Promise<void> | void)[] = [];
  const controller = new AbortController();
  let running: Promise<void> | null = null;
  const run = () => {
    running ??= (async () => {
      for (const step of steps.reverse()) {
        try {
          await step();
        } catch (error) {
          log(`cleanup step failed: ${String(error)}`);
        }
      }
    })();
    return running;
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping the benchmark's servers`);
      controller.abort(new Error(`interrupted by ${signal}`));
      void run().finally(() => process.exit(EXIT_CODE_INTERRUPTED));
    });
  }
  return { add: (step) => steps.push(step), run, signal: controller.signal };
}
