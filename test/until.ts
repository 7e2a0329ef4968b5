export type UntilOptions = {
  /** What is awaited, for the error when it never comes. */
  what?: string;
  timeoutMs?: number;
  /** Between probes; a probe that queries a store should not hammer it. */
  intervalMs?: number;
};

/**
 * Waits until `probe` returns something truthy and returns it: the one wait on an event (a row
 * written, a message received) the tests share, instead of a fixed sleep that guesses how long the
 * event takes. Fails with what it waited for when the event does not come.
 */
export async function until<T>(
  probe: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  options: UntilOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 20;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${options.what ?? "a condition"}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
